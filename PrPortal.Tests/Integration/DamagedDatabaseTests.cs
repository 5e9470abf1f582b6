using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration;

/// <summary>
/// A database file with damaged pages: start-up and every verb stop with one line and exit code 3 and
/// leave the file as it was; a running portal whose file is damaged under it says so on /healthz.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DamagedDatabaseTests : IDisposable
{
    private readonly string _database = TempFiles.NewPath("damaged", ".db");

    public void Dispose() => TempFiles.DeleteDatabase(_database);

    private Dictionary<string, string> Environment() => new()
    {
        ["ConnectionStrings__Portal"] = $"Data Source={_database}",
        ["Demo__Scale"] = "0.02",
        ["Seed__AdminPassword"] = "Verb-Admin-Pass-1!",
    };

    /// <summary>Overwrites pages in the middle of the file (never the header page) with garbage.</summary>
    private static void DamagePages(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        const int page = 4096;
        var pages = file.Length / page;
        var garbage = new byte[page];
        new Random(7).NextBytes(garbage);
        for (var p = pages / 3; p < pages * 2 / 3; p += 5)
        {
            file.Position = p * page;
            file.Write(garbage);
        }
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private async Task<string> SeededAndDamagedAsync()
    {
        var seeded = await PortalProcess.RunAsync(Environment(), "seed-demo");
        Assert.True(seeded.ExitCode == 0, seeded.Stderr);
        SqliteConnection.ClearAllPools();
        Assert.False(File.Exists(_database + "-wal") && new FileInfo(_database + "-wal").Length > 0, "the seed left its changes in the WAL");
        DamagePages(_database);
        return Hash(_database);
    }

    [Theory]
    [InlineData("incident", "list")]
    [InlineData("pool", "health")]
    [InlineData("resend", "list")]
    public async Task A_verb_on_a_damaged_file_stops_with_one_line_and_exit_3_and_leaves_it_unchanged(params string[] verb)
    {
        var before = await SeededAndDamagedAsync();

        var run = await PortalProcess.RunAsync(Environment(), verb);

        Assert.Equal(3, run.ExitCode);
        var line = Assert.Single(run.Stderr.Trim().Split('\n'));
        Assert.Contains("is damaged", line);
        Assert.Equal("", run.Stdout);
        Assert.Equal(before, Hash(_database));
    }

    [Fact]
    public async Task The_portal_does_not_start_on_a_damaged_file_and_leaves_it_unchanged()
    {
        var before = await SeededAndDamagedAsync();

        var run = await PortalProcess.RunAsync(Environment(), "--urls", $"http://127.0.0.1:{LoopbackPorts.Free()}");

        Assert.Equal(3, run.ExitCode);
        var line = Assert.Single(run.Stderr.Trim().Split('\n'));
        Assert.StartsWith("PrPortal cannot start: Database file", line);
        Assert.Contains("quick_check", line);
        Assert.Equal(before, Hash(_database));
    }

    [Fact]
    public async Task A_file_damaged_under_a_running_portal_makes_healthz_unhealthy()
    {
        using var portal = new CheckingPortal();
        var client = portal.CreateClient();
        var healthy = JsonDocument.Parse(await client.GetStringAsync("/healthz")).RootElement;
        Assert.Equal("healthy", healthy.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());

        await using (var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);");
        }
        DamagePages(portal.DatabasePath);

        var until = DateTime.UtcNow.AddSeconds(30);
        JsonElement health;
        do
        {
            await Task.Delay(500);
            var response = await client.GetAsync("/healthz");
            health = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        }
        while (health.GetProperty("checks").GetProperty("database").GetProperty("status").GetString() != "unhealthy" && DateTime.UtcNow < until);

        Assert.Equal("unhealthy", health.GetProperty("status").GetString());
        Assert.Contains("damaged", health.GetProperty("checks").GetProperty("database").GetProperty("description").GetString());
    }

    /// <summary>A demo portal that checks its file every second.</summary>
    private sealed class CheckingPortal() : PortalFactory(demo: true, settings: new Dictionary<string, string> { ["Database:IntegrityCheckEveryMinutes"] = "0.02" });
}
