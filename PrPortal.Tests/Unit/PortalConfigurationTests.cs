using Microsoft.Extensions.Configuration;
using PrPortal.Hosting;

namespace PrPortal.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class PortalConfigurationTests
{
    private static IConfiguration Config(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void Defaults_are_the_demo_world_and_the_local_admin()
    {
        var demo = PortalConfiguration.ReadDemo(Config());
        var seed = PortalConfiguration.ReadSeed(Config());

        Assert.True(demo.Enabled);
        Assert.Equal(1.0, demo.Scale);
        Assert.Equal("admin@prportal.local", seed.AdminEmail);
        Assert.Null(seed.AdminPassword);
    }

    [Fact]
    public void Database_defaults_to_data_folder_under_the_content_root()
    {
        var connection = PortalConfiguration.ReadConnectionString(Config(), "/srv/portal");

        Assert.Contains("Data Source=/srv/portal/data/prportal.db", connection);
    }

    [Fact]
    public void Relative_configured_database_is_taken_from_the_content_root_and_absolute_kept()
    {
        Assert.Contains("Data Source=/srv/portal/other/x.db",
            PortalConfiguration.ReadConnectionString(Config(("ConnectionStrings:Portal", "Data Source=other/x.db")), "/srv/portal"));
        Assert.Contains("Data Source=/var/lib/p.db",
            PortalConfiguration.ReadConnectionString(Config(("ConnectionStrings:Portal", "Data Source=/var/lib/p.db")), "/srv/portal"));
    }

    [Theory]
    [InlineData("Demo:Enabled", "maybe", "'Demo:Enabled'")]
    [InlineData("Demo:Scale", "0", "'Demo:Scale'")]
    [InlineData("Demo:Scale", "abc", "'Demo:Scale'")]
    public void Bad_demo_values_name_their_key(string key, string value, string named)
    {
        var error = Assert.Throws<StartupException>(() => PortalConfiguration.ReadDemo(Config((key, value))));

        Assert.Contains(named, error.Message);
        Assert.DoesNotContain("\n", error.Message);
    }

    [Theory]
    [InlineData("Blocklists:DnsServers:0", "dns.example", "'Blocklists:DnsServers'")]
    [InlineData("Blocklists:TimeoutSeconds", "0", "'Blocklists:TimeoutSeconds'")]
    [InlineData("Blocklists:MaxConcurrency", "0", "'Blocklists:MaxConcurrency'")]
    [InlineData("Schedules:BlocklistCheck", "every hour", "'Schedules:BlocklistCheck'")]
    public void Bad_blocklist_values_name_their_key(string key, string value, string named)
    {
        var error = Assert.Throws<StartupException>(() =>
        {
            var configuration = Config((key, value));
            PortalConfiguration.ReadBlocklists(configuration);
            PortalConfiguration.ReadSchedules(configuration);
        });

        Assert.Contains(named, error.Message);
    }

    [Theory]
    [InlineData("Snds:BaseUrl", "ftp://snds.example/", "'Snds:BaseUrl'")]
    [InlineData("Snds:TimeoutSeconds", "0", "'Snds:TimeoutSeconds'")]
    [InlineData("Schedules:SndsImport", "daily", "'Schedules:SndsImport'")]
    [InlineData("Schedules:RoutingRecovery", "often", "'Schedules:RoutingRecovery'")]
    [InlineData("Routing:SpareThreshold", "1.5", "'Routing:SpareThreshold'")]
    [InlineData("Recovery:ProbesToConfirm", "0", "'Recovery:ProbesToConfirm'")]
    [InlineData("Detection:ProviderBlockWindowMinutes", "0", "'Detection:ProviderBlockWindowMinutes'")]
    [InlineData("Detection:ProviderBlockPercent", "150", "'Detection:ProviderBlockPercent' must be a whole number from 1 to 100")]
    [InlineData("Recovery:ProbeRecipients:google:0", "not-an-address", "'Recovery:ProbeRecipients:google'")]
    public void Bad_snds_routing_and_recovery_values_name_their_key(string key, string value, string named)
    {
        var error = Assert.Throws<StartupException>(() =>
        {
            var configuration = Config((key, value));
            PortalConfiguration.ReadSnds(configuration);
            PortalConfiguration.ReadRouting(configuration);
            PortalConfiguration.ReadRecovery(configuration, new PrPortal.Sandbox.SandboxOptions { Enabled = false });
            PortalConfiguration.ReadSchedules(configuration);
            PortalConfiguration.ReadDetection(configuration);
        });

        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Bad_admin_email_names_its_key()
    {
        var error = Assert.Throws<StartupException>(() => PortalConfiguration.ReadSeed(Config(("Seed:AdminEmail", "admin"))));

        Assert.Contains("'Seed:AdminEmail'", error.Message);
    }

    [Theory]
    [InlineData("Nonsense Key=1")]
    [InlineData("Mode=ReadOnly")]
    public void Bad_connection_string_names_its_key(string value)
    {
        var error = Assert.Throws<StartupException>(() =>
            PortalConfiguration.ReadConnectionString(Config(("ConnectionStrings:Portal", value)), "/srv"));

        Assert.Contains("'ConnectionStrings:Portal'", error.Message);
    }
}
