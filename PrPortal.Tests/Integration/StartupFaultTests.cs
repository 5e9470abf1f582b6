using System.Text.Json;
using Microsoft.Data.Sqlite;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration;

/// <summary>Bad configuration and bad database files stop the portal with one clear line and lose nothing.</summary>
[Trait("Category", "Integration")]
public sealed class StartupFaultTests : IDisposable
{
    private readonly string _database = TempFiles.NewPath("verbs", ".db");

    private Dictionary<string, string> Environment(params (string Key, string Value)[] extra)
    {
        var env = new Dictionary<string, string>
        {
            ["ConnectionStrings__Portal"] = $"Data Source={_database}",
            ["Demo__Scale"] = "0.02",
            ["Seed__AdminPassword"] = "Verb-Admin-Pass-1!",
        };
        foreach (var (key, value) in extra)
        {
            env[key] = value;
        }
        return env;
    }

    [Fact]
    public async Task Seed_demo_verb_prints_the_counts_as_json()
    {
        var run = await PortalProcess.RunAsync(Environment(), "seed-demo");

        Assert.True(run.ExitCode == 0, run.Stderr);
        using var json = JsonDocument.Parse(run.Stdout.Trim().Split('\n')[^1]);
        Assert.Equal(52, json.RootElement.GetProperty("sending_ips").GetInt32());
        Assert.Equal(4, json.RootElement.GetProperty("companies").GetInt32());
        Assert.True(json.RootElement.GetProperty("deliveries").GetInt32() > 0);
        Assert.True(json.RootElement.GetProperty("failed_deliveries").GetInt32() > 0);
    }

    [Fact]
    public async Task Unknown_verb_is_one_line_and_exit_2()
    {
        var run = await PortalProcess.RunAsync(Environment(), "frobnicate");

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Stderr.Trim().Split('\n'));
        Assert.StartsWith("Unknown verb 'frobnicate'. Verbs: ", line);
        Assert.Contains("seed-demo", line);
        Assert.Contains("ingest", line);
    }

    [Theory]
    [InlineData("Demo__Enabled", "maybe", "'Demo:Enabled'")]
    [InlineData("Demo__Scale", "7", "'Demo:Scale'")]
    [InlineData("Seed__AdminEmail", "not-an-address", "'Seed:AdminEmail'")]
    [InlineData("ConnectionStrings__Portal", "Nonsense Key=1", "'ConnectionStrings:Portal'")]
    [InlineData("Schedules__Resend", "every minute", "'Schedules:Resend'")]
    [InlineData("Schedules__AutoResend", "0 */5 * * *", "'Schedules:AutoResend'")]
    [InlineData("Schedules__SenderDomains", "61 0 0 * * ?", "'Schedules:SenderDomains'")]
    [InlineData("Schedules__BounceMailbox", "", "'Schedules:BounceMailbox'")]
    [InlineData("Resend__LeaseSeconds", "0", "'Resend:LeaseSeconds'")]
    [InlineData("Resend__PerProviderPerMinute", "-5", "'Resend:PerProviderPerMinute'")]
    [InlineData("SenderAuth__ServiceFrom", "not an address", "'SenderAuth:ServiceFrom'")]
    [InlineData("IngestApi__MaxBodyBytes", "5", "'IngestApi:MaxBodyBytes'")]
    [InlineData("Database__IntegrityCheckSeconds", "0", "'Database:IntegrityCheckSeconds'")]
    [InlineData("BounceMailbox__Security", "tls13", "'BounceMailbox:Security'")]
    public async Task Bad_configuration_value_stops_start_up_naming_the_key(string key, string value, string named)
    {
        var run = await PortalProcess.RunAsync(Environment((key, value)), "seed-demo");

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Stderr.Trim().Split('\n'));
        Assert.StartsWith("PrPortal cannot start:", line);
        Assert.Contains(named, line);
    }

    [Fact]
    public async Task Production_without_an_admin_password_says_which_key_to_set()
    {
        var env = Environment(("Demo__Enabled", "false"));
        env.Remove("Seed__AdminPassword");

        var run = await PortalProcess.RunAsync(env, "seed-demo");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("'Seed:AdminPassword'", Assert.Single(run.Stderr.Trim().Split('\n')));
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_reported_and_left_unchanged()
    {
        var garbage = new byte[8192];
        new Random(7).NextBytes(garbage);
        await File.WriteAllBytesAsync(_database, garbage);

        var run = await PortalProcess.RunAsync(Environment(), "seed-demo");

        Assert.Equal(3, run.ExitCode);
        var line = Assert.Single(run.Stderr.Trim().Split('\n'));
        Assert.Contains("is not a valid SQLite database", line);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(_database));
    }

    [Fact]
    public async Task A_read_only_database_is_reported_and_left_unchanged()
    {
        var first = await PortalProcess.RunAsync(Environment(), "seed-demo");
        Assert.True(first.ExitCode == 0, first.Stderr);
        SqliteConnection.ClearAllPools();
        var before = await File.ReadAllBytesAsync(_database);

        // Root ignores file permissions, so the read-only case is the database opened read-only.
        var run = await PortalProcess.RunAsync(Environment(("ConnectionStrings__Portal", $"Data Source={_database};Mode=ReadOnly")), "seed-demo");

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("is read-only", Assert.Single(run.Stderr.Trim().Split('\n')));
        Assert.Equal(before, await File.ReadAllBytesAsync(_database));
    }

    public void Dispose() => TempFiles.DeleteDatabase(_database);
}
