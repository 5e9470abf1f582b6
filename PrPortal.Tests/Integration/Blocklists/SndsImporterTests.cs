using System.Net;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Alerts;
using PrPortal.Features.Blocklists.Snds;
using PrPortal.Sandbox.Http;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Blocklists;

/// <summary>The SNDS import over real HTTP on loopback, stored in the portal's SQLite.</summary>
[Trait("Category", "Integration")]
public sealed class SndsImporterTests : IDisposable
{
    private const string Key = "b7c0ffee-test-key-0000";
    private readonly LoopbackHttpServer _server;
    private string _data = Fixture("data.csv");
    private string _status = Fixture("ipStatus.csv");
    private readonly List<string> _queries = [];
    private bool _revoked;

    public SndsImporterTests()
    {
        _server = new LoopbackHttpServer(LoopbackPorts.Free(), request =>
        {
            lock (_queries)
            {
                _queries.Add(request.Url!.PathAndQuery);
            }
            if (_revoked || request.QueryString["key"] != Key)
            {
                return new HttpAnswer(200, "text/html", "<html><body>Sign in</body></html>");
            }
            return request.Url!.AbsolutePath switch
            {
                "/snds/data.aspx" => new HttpAnswer(200, "text/csv", _data),
                "/snds/ipStatus.aspx" => new HttpAnswer(200, "text/csv", _status),
                _ => new HttpAnswer(404, "text/plain", "not found"),
            };
        });
    }

    public void Dispose() => _server.Dispose();

    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "snds", name));

    private sealed class SndsPortal(string baseUrl, string? key, bool scheduled = false) : PortalFactory(demo: false, settings: new Dictionary<string, string>
    {
        ["Snds:BaseUrl"] = baseUrl,
        ["Snds:Key"] = key ?? "",
        ["Snds:TimeoutSeconds"] = "5",
        ["Schedules:Enabled"] = scheduled ? "true" : "false",
    });

    private static async Task AddPoolAsync(PortalFactory portal)
    {
        _ = portal.Server;
        await using var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        db.SendingIps.AddRange(new[] { "203.0.113.10", "203.0.113.11", "203.0.113.12", "203.0.113.21" }
            .Select(a => new SendingIp { Address = a, Role = SendingIpRole.Primary })
            .Append(new SendingIp { Address = "203.0.113.99", Role = SendingIpRole.Spare }));
        await db.SaveChangesAsync();
    }

    private static async Task<PortalDbContext> DbAsync(PortalFactory portal) =>
        await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();

    [Fact]
    public async Task A_blocked_range_and_a_red_result_become_microsoft_snds_listings_and_a_clean_import_delists_them()
    {
        using var portal = new SndsPortal(_server.BaseUrl + "snds/", Key);
        await AddPoolAsync(portal);
        var importer = portal.Service<SndsImporter>();

        var first = await importer.ImportAsync(new DateOnly(2026, 11, 26), default);

        Assert.Equal((4, 2, 2, 1, 1, 2), (first.DataRows, first.StatusRanges, first.BadRows, first.Blocked, first.Red, first.NewListings));
        Assert.Contains(_queries, q => q.StartsWith("/snds/data.aspx?key=") && q.EndsWith("&date=112626"));
        await using (var db = await DbAsync(portal))
        {
            var listings = await db.BlocklistListings.Include(l => l.SendingIp).Where(l => l.Kind == SndsImporter.Kind).ToListAsync();
            Assert.Equal(["203.0.113.10", "203.0.113.21"], listings.Select(l => l.SendingIp!.Address).Order());
            Assert.Equal("RED", listings.Single(l => l.SendingIp!.Address == "203.0.113.10").Codes);
            Assert.Contains("sender.office.com", listings.Single(l => l.SendingIp!.Address == "203.0.113.21").Reason);
            Assert.Equal(4, await db.SndsDataRows.CountAsync(r => r.Day == new DateOnly(2026, 11, 26)));
            var import = await db.SndsImports.SingleAsync();
            Assert.True(import.Succeeded);
            Assert.Contains("Data line 4: expected 14 fields", import.BadRowSamples);
        }

        _data = _data.Replace(",RED,", ",GREEN,");
        _status = "";
        var second = await importer.ImportAsync(new DateOnly(2026, 11, 26), default);

        Assert.Equal((0, 2), (second.NewListings, second.Delistings));
        await using (var db = await DbAsync(portal))
        {
            Assert.All(await db.BlocklistListings.ToListAsync(), l => Assert.NotNull(l.DelistedAtUtc));
            Assert.Empty(await db.SndsIpStatusRanges.ToListAsync());
            Assert.Equal(4, await db.SndsDataRows.CountAsync()); // the same day again: rows replaced, not doubled
        }
        Assert.Equal(2, portal.Service<AlertService>().Sent);
    }

    [Theory]
    [InlineData("revoked", "HTML page instead of CSV")]
    [InlineData("empty", "empty Data file")]
    public async Task A_revoked_key_or_an_empty_file_fails_the_import_with_its_reason_and_keeps_the_previous_data(string fault, string reason)
    {
        using var portal = new SndsPortal(_server.BaseUrl + "snds/", Key);
        await AddPoolAsync(portal);
        var importer = portal.Service<SndsImporter>();
        await importer.ImportAsync(null, default);
        // SNDS answers a key it no longer knows with its HTML sign-in page; a day without data is an empty file.
        _revoked = fault == "revoked";
        _data = fault == "empty" ? "" : _data;

        var error = await Assert.ThrowsAsync<SndsException>(() => importer.ImportAsync(null, default));

        Assert.Contains(reason, error.Message);
        Assert.DoesNotContain(Key, error.Message);
        await using var db = await DbAsync(portal);
        Assert.Equal(2, await db.BlocklistListings.CountAsync(l => l.DelistedAtUtc == null));
        Assert.Equal(4, await db.SndsDataRows.CountAsync());
        Assert.Equal(2, await db.SndsIpStatusRanges.CountAsync());
        var failed = await db.SndsImports.OrderBy(i => i.Id).LastAsync();
        Assert.False(failed.Succeeded);
        Assert.Contains(reason, failed.Error);
    }

    [Fact]
    public async Task The_daily_job_shows_a_failed_import_with_its_reason_on_the_jobs_page()
    {
        using var portal = new SndsPortal(_server.BaseUrl + "snds/", Key, scheduled: true);
        await AddPoolAsync(portal);
        _revoked = true;
        var row = await portal.Service<PrPortal.Features.Jobs.JobsService>().RunNowAndWaitAsync(TestUsers.As(PrPortal.Features.Account.PortalRoles.Support), "snds-import", TimeSpan.FromSeconds(30), default);

        Assert.NotNull(row);
        Assert.False(row.LastSucceeded);
        Assert.Contains("HTML page instead of CSV", row.LastError);
        Assert.Equal("0 30 9 * * ?", row.Cron);
    }

    [Fact]
    public async Task Snds_down_or_not_configured_fails_with_a_clear_message()
    {
        using var down = new SndsPortal($"http://127.0.0.1:{LoopbackPorts.Free()}/snds/", Key);
        using var unconfigured = new SndsPortal(_server.BaseUrl + "snds/", null);
        _ = down.Server;
        _ = unconfigured.Server;

        var unreachable = await Assert.ThrowsAsync<SndsException>(() => down.Service<SndsImporter>().ImportAsync(null, default));
        var missing = await Assert.ThrowsAsync<SndsException>(() => unconfigured.Service<SndsImporter>().ImportAsync(null, default));

        Assert.Contains("could not be reached for data.aspx", unreachable.Message);
        Assert.DoesNotContain(Key, unreachable.Message);
        Assert.Contains("Snds__Key", missing.Message);
    }
}
