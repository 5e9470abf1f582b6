using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;
using PrPortal.Features.Reports;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Resend;

/// <summary>`resend plan` shows what a one-click batch would hold and why the rest is left out; `resend create` makes it.</summary>
[Trait("Category", "Integration")]
public sealed class ResendPlanVerbTests : IDisposable
{
    private readonly DemoPortalFactory _portal = new();

    public ResendPlanVerbTests() => _ = _portal.Server;

    public void Dispose() => _portal.Dispose();

    private static readonly string From = DateTime.UtcNow.AddDays(-70).ToString("yyyy-MM-ddTHH:mm:ssZ");
    private static readonly string Until = DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ");

    private async Task<JsonElement> RunAsync(params string[] args)
    {
        var result = await PortalProcess.RunAsync(PortalProcess.Environment(_portal.DatabasePath), args);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return JsonDocument.Parse(result.Stdout).RootElement;
    }

    private static int Excluded(JsonElement plan, string why) => plan.GetProperty("excluded").GetProperty(why).GetInt32();

    [Fact]
    public async Task Plan_counts_items_and_exclusions_create_makes_the_same_batch_and_a_release_without_content_is_no_body()
    {
        var report = await _portal.Service<AffectedReportService>().BuildAsync(new AffectedScope { FromUtc = DateTime.Parse(From).ToUniversalTime(), UntilUtc = DateTime.Parse(Until).ToUniversalTime() }, default);
        var company = report.Companies[0].CompanyId;

        // Old failures without the company's word: nothing to send, all of it waiting for consent.
        var everything = await RunAsync("resend", "plan", "--from", From, "--until", Until);
        Assert.Equal(0, everything.GetProperty("items").GetInt32());
        Assert.True(Excluded(everything, "no_consent") > 0);
        foreach (var key in new[] { "userunknown", "delivered_since", "unsubscribed", "in_other_batch", "declined", "no_consent", "no_body" })
        {
            Assert.True(everything.GetProperty("excluded").TryGetProperty(key, out _), key);
        }

        // The company agreed; one of its releases has no stored content.
        await _portal.Service<ContactService>().SetAsync(TestUsers.As(PortalRoles.Support), company, null, ContactStatus.Agreed, "電話で同意", default);
        var agreed = await RunAsync("resend", "plan", "--from", From, "--until", Until, "--company", company.ToString());
        var items = agreed.GetProperty("items").GetInt32();
        Assert.True(items > 1, $"{items} items");
        Assert.Equal(items, agreed.GetProperty("by_category").EnumerateObject().Sum(c => c.Value.GetInt32()));
        int emptied, failedOfEmptied;
        await using (var db = await _portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var release = await db.FailedDeliveries.Where(f => f.CompanyId == company && f.Reason != null && f.IpBlock)
                .GroupBy(f => f.ReleaseId).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstAsync();
            await db.Releases.Where(r => r.Id == release).ExecuteUpdateAsync(s => s.SetProperty(r => r.Html, (string?)null).SetProperty(r => r.Text, (string?)null));
            emptied = release;
            failedOfEmptied = items - (await RunAsync("resend", "plan", "--from", From, "--until", Until, "--company", company.ToString())).GetProperty("items").GetInt32();
        }
        Assert.True(failedOfEmptied > 0);
        var withoutBody = await RunAsync("resend", "plan", "--from", From, "--until", Until, "--company", company.ToString());
        Assert.Equal(failedOfEmptied, Excluded(withoutBody, "no_body"));

        // A category narrows it; create makes the batch the plan showed.
        var media = await RunAsync("resend", "plan", "--from", From, "--until", Until, "--company", company.ToString(), "--category", "MediaUser");
        Assert.Equal(media.GetProperty("by_category").GetProperty("MediaUser").GetInt32(), media.GetProperty("items").GetInt32());
        var created = await RunAsync("resend", "create", "--from", From, "--until", Until, "--company", company.ToString(), "--consent", "電話 12/01 広報部");
        Assert.Equal(withoutBody.GetProperty("items").GetInt32(), created.GetProperty("items").GetInt32());
        var batch = created.GetProperty("batch").GetInt32();
        await using (var db = await _portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var stored = await db.ResendBatches.Include(b => b.Items).SingleAsync(b => b.Id == batch);
            Assert.Equal((created.GetProperty("items").GetInt32(), "電話 12/01 広報部", company), (stored.Items.Count, stored.ConsentReference, stored.CompanyId));
            var deliveryIds = stored.Items.Select(i => i.DeliveryId).ToList();
            Assert.False(await db.Deliveries.AnyAsync(d => deliveryIds.Contains(d.Id) && d.ReleaseId == emptied));
        }
        // What is in that batch is not offered again.
        var after = await RunAsync("resend", "plan", "--from", From, "--until", Until, "--company", company.ToString());
        Assert.Equal((0, created.GetProperty("items").GetInt32()), (after.GetProperty("items").GetInt32(), Excluded(after, "in_other_batch")));
    }

    [Theory]
    [InlineData("plan")]
    [InlineData("plan", "--incident", "x")]
    [InlineData("plan", "--from", "2026-11-01")]
    [InlineData("plan", "--incident", "1", "--from", "2026-11-01", "--until", "2026-11-02")]
    [InlineData("plan", "--from", "2026-11-01", "--until", "2026-11-02", "--category", "Nobody")]
    [InlineData("plan", "--from", "2026-11-01", "--until", "2026-11-02", "--company", "-3")]
    [InlineData("plan", "--incident", "999")]
    [InlineData("create", "--from", "2026-11-01", "--until", "2026-11-02")]
    [InlineData("plan", "--from", "2026-11-01", "--until", "2026-11-02", "--consent", "x")]
    public async Task Bad_scopes_get_a_one_line_error_and_exit_code_2(params string[] args)
    {
        var result = await PortalProcess.RunAsync(PortalProcess.Environment(_portal.DatabasePath), ["resend", .. args]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }
}
