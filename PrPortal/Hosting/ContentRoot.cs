namespace PrPortal.Hosting;

/// <summary>
/// The repository root holds appsettings.json and wwwroot/ for `dotnet run`, tests and verbs alike; a
/// published app carries its own copies beside the binaries. The first folder upwards from the
/// binaries that has both is the content root.
/// </summary>
public static class ContentRoot
{
    public const string EnvironmentVariable = "PRPORTAL_CONTENT_ROOT";

    public static string Resolve()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }

        return FindFrom(AppContext.BaseDirectory)
            ?? FindFrom(Directory.GetCurrentDirectory())
            ?? Directory.GetCurrentDirectory();
    }

    public static string? FindFrom(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "appsettings.json"))
                && Directory.Exists(Path.Combine(dir.FullName, "wwwroot")))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}
