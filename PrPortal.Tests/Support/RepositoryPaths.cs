using PrPortal.Hosting;

namespace PrPortal.Tests.Support;

public static class RepositoryPaths
{
    public static string Root { get; } = ContentRoot.FindFrom(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("Repository root (appsettings.json + wwwroot/) not found above the test binaries.");

    /// <summary>The portal's built assembly, for running ops verbs as a user would.</summary>
    public static string PortalDll { get; } = Path.Combine(AppContext.BaseDirectory, "PrPortal.dll");
}
