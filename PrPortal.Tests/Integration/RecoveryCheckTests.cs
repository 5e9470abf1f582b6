using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Features.Account;
using PrPortal.Features.Blocklists.Snds;
using PrPortal.Features.IpPool;
using PrPortal.Features.Providers;
using PrPortal.Sandbox;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration;

/// <summary>
/// In the sandbox: an excluded IP stays out while any list still flags it and while the provider still
/// refuses its probes, and comes back once SNDS clears it and the probes are accepted in a row.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RecoveryCheckTests
{
    private const string Ip = "203.0.113.15"; // blocked by the sandbox's Microsoft, on no public list
    private const string Outlook = MailboxProviderCatalog.MicrosoftConsumer;

    [Fact]
    public async Task An_ip_comes_back_only_when_clean_on_every_list_and_its_probes_are_accepted()
    {
        using var portal = new DemoPortalFactory();
        _ = portal.Server;
        var routing = portal.Service<RoutingService>();
        var recovery = portal.Service<RecoveryCheck>();
        var snds = portal.Service<SndsImporter>();
        var db = portal.Service<IDbContextFactory<PortalDbContext>>();
        int ipId;
        await using (var context = await db.CreateDbContextAsync())
        {
            ipId = (await context.SendingIps.SingleAsync(i => i.Address == Ip)).Id;
        }
        await routing.ExcludeAsync(TestUsers.As(PortalRoles.Support), ipId, Outlook, "S3150", default);
        // The same IP taken out of Yahoo's pool by hand: Microsoft's SNDS has no say there.
        await routing.ExcludeAsync(TestUsers.As(PortalRoles.Support), ipId, MailboxProviderCatalog.YahooJapan, "trial", default);
        RecoveryOutcome Mine(IReadOnlyList<RecoveryOutcome> all) => all.Single(o => o.Ip == Ip && o.ProviderId == Outlook);

        await snds.ImportAsync(null, default);
        var first = await recovery.RunAsync(default);
        var listed = Mine(first);
        var yahoo = first.Single(o => o.Ip == Ip && o.ProviderId == MailboxProviderCatalog.YahooJapan);

        // Off every list, but Microsoft still refuses it: the probes say so.
        await using (var context = await db.CreateDbContextAsync())
        {
            await context.BlocklistListings.Where(l => l.SendingIp!.Address == Ip).ExecuteUpdateAsync(u => u.SetProperty(l => l.DelistedAtUtc, DateTime.UtcNow));
        }
        var refused = Mine(await recovery.RunAsync(default));

        // Microsoft lifts the block; SNDS says so; the probes are accepted.
        portal.Service<SandboxWorld>().Unblock(Outlook, Ip);
        await snds.ImportAsync(null, default);
        var reverted = Mine(await recovery.RunAsync(default));

        Assert.Equal((false, "still listed on Microsoft SNDS"), (listed.Reverted, listed.Why));
        Assert.True(yahoo.Reverted, yahoo.Why);
        Assert.False(refused.Reverted);
        Assert.Contains("probe refused", refused.Why);
        Assert.Contains("S3150", refused.Why);
        Assert.True(reverted.Reverted, reverted.Why);
        await using var check = await db.CreateDbContextAsync();
        var exclusion = await check.RoutingExclusions.SingleAsync(e => e.SendingIpId == ipId && e.ProviderId == Outlook);
        // Kept as a resource key with its argument: each reader sees it in their language.
        Assert.Equal((RecoveryCheck.Actor, "Clean on every list; 3 probes accepted in a row"), (exclusion.EndedBy, PrPortal.Infrastructure.Text.LocalText.Plain(exclusion.EndReason)));
        Assert.Equal("全リストで問題なし、テスト送信 3 通連続で受付", PrPortal.Infrastructure.Text.LocalText.Plain(exclusion.EndReason, System.Globalization.CultureInfo.GetCultureInfo("ja-JP")));
        var picks = new HashSet<string>();
        for (var i = 0; i < 400 && !picks.Contains(Ip); i++)
        {
            picks.Add((await routing.PickForAsync("someone@hotmail.com", default)).Address);
        }
        Assert.Contains(Ip, picks);
    }
}
