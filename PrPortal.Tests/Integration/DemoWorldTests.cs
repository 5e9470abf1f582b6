using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.DemoWorld;
using PrPortal.Features.Providers;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration;

[Trait("Category", "Integration")]
public sealed class DemoWorldTests(DemoPortalFactory factory) : IClassFixture<DemoPortalFactory>
{
    private static readonly string[] Microsoft = [MailboxProviderCatalog.MicrosoftConsumer, MailboxProviderCatalog.Microsoft365];

    private async Task<PortalDbContext> DbAsync()
    {
        _ = factory.Server; // start the portal: it seeds the demo world on first start
        return await factory.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
    }

    [Fact]
    public async Task First_start_fills_the_pool_companies_and_deliveries()
    {
        await using var db = await DbAsync();

        Assert.Equal(48, await db.SendingIps.CountAsync(i => i.Role == SendingIpRole.Primary));
        Assert.Equal(4, await db.SendingIps.CountAsync(i => i.Role == SendingIpRole.Spare));
        Assert.All(await db.SendingIps.Select(i => i.Address).ToListAsync(),
            a => Assert.True(a.StartsWith("203.0.113.") || a.StartsWith("198.51.100."), a));
        Assert.Equal(10, await db.Companies.CountAsync()); // 200 at full scale; the fixture runs at 5 %
        Assert.Equal(0, await db.Companies.CountAsync(c => c.AccountManagerId == null));
        Assert.Equal(100, await db.Releases.CountAsync());
        Assert.InRange(await db.Recipients.CountAsync(), 990, 1010);
        Assert.InRange(await db.Deliveries.CountAsync(), 5_000, 15_000);
        Assert.Equal(0, await db.Deliveries.CountAsync(d => !d.Attempts.Any()));
    }

    [Fact]
    public async Task Recipients_follow_the_scenario_category_mix()
    {
        await using var db = await DbAsync();
        var counts = await db.Recipients.GroupBy(r => r.Category).ToDictionaryAsync(g => g.Key, g => g.Count());
        var total = counts.Values.Sum();

        Assert.InRange(counts[RecipientCategory.MediaUser] / (double)total, 0.72, 0.78);
        Assert.InRange(counts[RecipientCategory.IndividualUser] / (double)total, 0.17, 0.23);
        Assert.True(counts[RecipientCategory.CuratedList] > 0);
        Assert.True(counts[RecipientCategory.ImportList] > 0);
        // Imported lists belong to a company; the service's own audiences do not.
        Assert.Equal(0, await db.Recipients.CountAsync(r => r.Category == RecipientCategory.ImportList && r.CompanyId == null));
        Assert.Equal(0, await db.Recipients.CountAsync(r => r.Category != RecipientCategory.ImportList && r.CompanyId != null));
    }

    [Fact]
    public async Task Microsoft_rejects_the_first_39_primaries_with_the_real_replies_and_no_one_else()
    {
        await using var db = await DbAsync();
        var blockedIps = await db.SendingIps.Where(i => i.Role == SendingIpRole.Primary).OrderBy(i => i.Id).Take(39).Select(i => i.Id).ToListAsync();

        var microsoft = await db.DeliveryAttempts.Include(a => a.SendingIp)
            .Where(a => Microsoft.Contains(a.ProviderId)).ToListAsync();
        var fromBlocked = microsoft.Where(a => blockedIps.Contains(a.SendingIpId)).ToList();
        var fromHealthy = microsoft.Where(a => !blockedIps.Contains(a.SendingIpId)).ToList();

        Assert.NotEmpty(fromBlocked);
        Assert.NotEmpty(fromHealthy);
        Assert.All(fromBlocked, a =>
        {
            Assert.Equal(AttemptOutcome.Rejected, a.Outcome);
            Assert.True(a.IpBlock);
            Assert.Equal("blocked", a.Reason);
            Assert.Contains($"[{a.SendingIp!.Address}]", a.ReplyText);
            Assert.Contains(a.ProviderId == MailboxProviderCatalog.MicrosoftConsumer ? "(S3150)" : "5.7.606 Access denied, banned sending IP", a.ReplyText);
        });
        Assert.DoesNotContain(fromHealthy, a => a.IpBlock);
        Assert.Equal(0, await db.DeliveryAttempts.CountAsync(a => a.IpBlock && !Microsoft.Contains(a.ProviderId)));
        Assert.All(microsoft.Where(a => a.ProviderId == MailboxProviderCatalog.Microsoft365), a => Assert.EndsWith(".mail.protection.outlook.com", a.MxHost));
    }

    [Fact]
    public async Task Blocked_deliveries_are_failed_and_the_rest_mostly_delivered()
    {
        await using var db = await DbAsync();
        var failedByBlock = await db.Deliveries.CountAsync(d => d.Status == DeliveryStatus.Failed && d.Attempts.Any(a => a.IpBlock));
        var all = await db.Deliveries.CountAsync();
        var delivered = await db.Deliveries.CountAsync(d => d.Status == DeliveryStatus.Delivered);

        // Microsoft carries 9 % of the mix and 39 of 48 IPs are blocked for it: about 7 % of all mail fails.
        Assert.InRange(failedByBlock / (double)all, 0.05, 0.10);
        Assert.InRange(delivered / (double)all, 0.88, 0.95);
    }

    [Fact]
    public async Task Reseeding_gives_the_same_world()
    {
        _ = factory.Server;
        var seeder = factory.Service<DemoWorldSeeder>();

        var first = await seeder.SeedAsync(default);
        var firstEmails = await EmailsAsync();
        var second = await seeder.SeedAsync(default);

        Assert.Equal(first with { Seconds = 0 }, second with { Seconds = 0 });
        Assert.Equal(firstEmails, await EmailsAsync());

        async Task<List<string>> EmailsAsync()
        {
            await using var db = await DbAsync();
            return await db.Recipients.OrderBy(r => r.Id).Select(r => r.Email).Take(200).ToListAsync();
        }
    }

    [Fact]
    public async Task Overview_shows_the_world_and_flags_microsoft()
    {
        using var client = await PortalClient.SignedInAsync(factory, PortalFactory.AdminEmail, PortalFactory.AdminPassword);

        var page = System.Net.WebUtility.HtmlDecode(await client.GetStringAsync("/overview"));

        Assert.Contains("48 + 4", page);
        Assert.Contains("Microsoft（Outlook.com）", page);
        // Microsoft rows fall under 90 % acceptance and are marked; Google's is not.
        Assert.Matches(@"<tr class=""row-alarm"">\s*<td>Microsoft（Outlook.com）</td>", page);
        Assert.Matches(@"<tr>\s*<td>Google</td>", page);
    }
}
