using PrPortal.Hosting;

namespace PrPortal.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class ContentRootTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "prportal-tests", "root-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Finds_the_nearest_folder_with_appsettings_and_wwwroot_above_the_binaries()
    {
        var bin = Path.Combine(_root, "PrPortal", "bin", "Debug", "net10.0");
        Directory.CreateDirectory(bin);
        Directory.CreateDirectory(Path.Combine(_root, "wwwroot"));
        File.WriteAllText(Path.Combine(_root, "appsettings.json"), "{}");
        // appsettings.json alone (as in a project folder) does not make a content root.
        File.WriteAllText(Path.Combine(_root, "PrPortal", "appsettings.json"), "{}");

        Assert.Equal(_root, ContentRoot.FindFrom(bin));
    }

    [Fact]
    public void A_published_folder_is_its_own_content_root()
    {
        Directory.CreateDirectory(Path.Combine(_root, "wwwroot"));
        File.WriteAllText(Path.Combine(_root, "appsettings.json"), "{}");

        Assert.Equal(_root, ContentRoot.FindFrom(_root));
    }

    [Fact]
    public void The_repository_root_holds_the_portal_files()
    {
        var root = ContentRoot.FindFrom(AppContext.BaseDirectory);

        Assert.NotNull(root);
        Assert.True(File.Exists(Path.Combine(root, "PrPortal.sln")));
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
