using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;
using PrPortal.Features.Reports;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Resend;

/// <summary>The affected report counts what the deliveries say, for every reader: the service, the CSV download and the verb.</summary>
[Trait("Category", "Integration")]
public sealed class AffectedReportTests(DemoPortalFactory portal) : IClassFixture<DemoPortalFactory>
{
    private AffectedScope Everything => new() { FromUtc = DateTime.UtcNow.AddDays(-70), UntilUtc = DateTime.UtcNow.AddHours(1) };

    [Fact]
    public async Task The_report_matches_a_count_straight_from_the_deliveries_per_category()
    {
        _ = portal.Server;
        var report = await portal.Service<AffectedReportService>().BuildAsync(Everything, default);

        await using var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        // Independently of the ledger: failed deliveries whose last refusal was an IP block.
        var failed = await db.Deliveries.AsNoTracking()
            .Where(d => d.Status == DeliveryStatus.Failed && d.Attempts.Where(a => a.Outcome == AttemptOutcome.Rejected).OrderByDescending(a => a.AttemptedAtUtc).First().IpBlock)
            .Select(d => new { d.RecipientId, d.ReleaseId, d.Recipient!.Category, d.Release!.CompanyId })
            .ToListAsync();

        Assert.True(failed.Count > 50, $"the demo world has IP-block failures ({failed.Count})");
        Assert.Equal(failed.Count, report.Totals.FailedMails);
        Assert.Equal(failed.Select(f => f.RecipientId).Distinct().Count(), report.Totals.FailedAddresses);
        Assert.Equal(failed.Select(f => f.ReleaseId).Distinct().Count(), report.Totals.AffectedReleases);
        foreach (var row in report.Categories)
        {
            var mine = failed.Where(f => f.Category == row.Category).ToList();
            Assert.Equal((mine.Count, mine.Select(f => f.RecipientId).Distinct().Count(), mine.Select(f => f.ReleaseId).Distinct().Count()),
                (row.FailedMails, row.FailedAddresses, row.AffectedReleases));
        }
        Assert.Equal(failed.Count, report.Companies.Sum(c => c.FailedMails));
        Assert.Equal(failed.Count, report.Days.Sum(d => d.FailedByCategory.Values.Sum()));
        Assert.Equal(report.Totals.FailedMails, report.Totals.NotResent);
        Assert.InRange(report.Share, 0.001, 0.5);
        // Only Microsoft blocks IPs in the demo world: narrowing to Google finds nothing.
        var google = await portal.Service<AffectedReportService>().BuildAsync(Everything with { Providers = ["google"] }, default);
        Assert.Equal(0, google.Totals.FailedMails);
    }

    [Fact]
    public async Task An_account_manager_sees_only_their_own_companies()
    {
        _ = portal.Server;
        await using var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var manager = await db.Companies.Where(c => c.AccountManagerId != null).Select(c => c.AccountManager!).FirstAsync();
        var own = (await db.Companies.Where(c => c.AccountManagerId == manager.Id).Select(c => c.Id).ToListAsync()).ToHashSet();
        var user = TestUsers.AccountManager(manager.Id, manager.Email!);

        var visible = await Features.Account.CompanyAccess.VisibleCompaniesAsync(user, db, default);
        var report = await portal.Service<AffectedReportService>().BuildAsync(Everything with { Companies = visible }, default);
        var all = await portal.Service<AffectedReportService>().BuildAsync(Everything, default);

        Assert.NotEmpty(report.Companies);
        Assert.All(report.Companies, c => Assert.Contains(c.CompanyId, own));
        Assert.True(report.Totals.FailedMails < all.Totals.FailedMails);
        var other = await db.Companies.FirstAsync(c => c.AccountManagerId != manager.Id);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
            portal.Service<ContactService>().SetAsync(user, other.Id, null, ContactStatus.Contacted, "called", default));
        var saved = await portal.Service<ContactService>().SetAsync(user, own.First(), null, ContactStatus.Contacted, "電話済み、折り返し待ち", default);
        Assert.Equal((ContactStatus.Contacted, manager.Email), (saved.Status, saved.UpdatedBy));
    }

    [Fact]
    public async Task The_csv_download_needs_sign_in_has_a_bom_and_the_same_numbers()
    {
        _ = portal.Server;
        var query = $"from={DateTime.UtcNow.AddDays(-70):yyyy-MM-dd}&until={DateTime.UtcNow.AddDays(1):yyyy-MM-dd}";
        var anonymous = await PortalClient.Anonymous(portal).GetAsync($"/reports/affected.csv?{query}");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);

        var client = await PortalClient.SignedInAsync(portal, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        var bytes = await client.GetByteArrayAsync($"/reports/affected.csv?{query}&table=categories");
        var bad = await client.GetAsync($"/reports/affected.csv?{query}&table=nonsense");
        var badDate = await client.GetAsync("/reports/affected.csv?from=yesterday");

        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var lines = Encoding.UTF8.GetString(bytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("カテゴリ", lines[0]);
        Assert.StartsWith("メディアユーザー,", lines[1]);
        var report = await portal.Service<AffectedReportService>().BuildAsync(new AffectedScope
        {
            FromUtc = DateTime.UtcNow.AddDays(-70).Date, UntilUtc = DateTime.UtcNow.AddDays(1).Date,
        }, default);
        Assert.Equal(report.Totals.FailedMails.ToString(), lines.Single(l => l.StartsWith("合計,")).Split(',')[2]);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("nonsense", await bad.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, badDate.StatusCode);
    }

    [Fact]
    public async Task The_report_verb_prints_the_services_numbers_as_json_and_csv()
    {
        _ = portal.Server;
        var from = DateTime.UtcNow.AddDays(-70).Date;
        var until = DateTime.UtcNow.AddDays(1).Date;
        var report = await portal.Service<AffectedReportService>().BuildAsync(new AffectedScope { FromUtc = from, UntilUtc = until }, default);
        var env = PortalProcess.Environment(portal.DatabasePath);
        string[] period = ["--from", $"{from:yyyy-MM-dd}", "--until", $"{until:yyyy-MM-dd}"];

        var json = await PortalProcess.RunAsync(env, ["report", "affected", .. period]);
        var csv = await PortalProcess.RunAsync(env, ["report", "affected", .. period, "--format", "csv", "--table", "companies"]);
        var bad = await PortalProcess.RunAsync(env, ["report", "affected", "--incident", "abc"]);

        Assert.Equal(0, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.Equal(report.Totals.FailedMails, doc.RootElement.GetProperty("totals").GetProperty("failed_mails").GetInt32());
        Assert.Equal(report.Categories[0].FailedAddresses, doc.RootElement.GetProperty("categories")[0].GetProperty("failed_addresses").GetInt32());
        Assert.Equal(0, csv.ExitCode);
        var rows = csv.Stdout.TrimStart('\uFEFF').Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("company,account_manager,affected_releases,MediaUser", rows[0]);
        Assert.Equal(report.Companies.Count + 1, rows.Length);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("incident", bad.Stderr);
    }
}
