using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;
using PrPortal.Features.IpPool;
using PrPortal.Features.Providers;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration;

/// <summary>An IP excluded for one provider carries none of its mail and still carries the others'; every change is audited.</summary>
[Trait("Category", "Integration")]
public sealed class RoutingServiceTests
{
    [Fact]
    public async Task An_ip_excluded_for_microsoft_still_sends_to_google_and_comes_back_when_included()
    {
        using var portal = new PortalFactory();
        _ = portal.Server;
        int first;
        await using (var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            db.SendingIps.AddRange(Enumerable.Range(10, 3).Select(i => new SendingIp { Address = $"203.0.113.{i}", Role = SendingIpRole.Primary })
                .Append(new SendingIp { Address = "203.0.113.99", Role = SendingIpRole.Spare }));
            await db.SaveChangesAsync();
            first = (await db.SendingIps.SingleAsync(i => i.Address == "203.0.113.10")).Id;
        }
        var routing = portal.Service<RoutingService>();
        var changes = 0;
        portal.Service<PoolChanges>().Changed += () => Interlocked.Increment(ref changes);

        await routing.ExcludeAsync(TestUsers.As(PortalRoles.Support), first, MailboxProviderCatalog.MicrosoftConsumer, "S3150 from Outlook.com", default);
        var toOutlook = await PicksAsync(routing, "someone@hotmail.com");
        var toGmail = await PicksAsync(routing, "someone@gmail.com");
        await routing.IncludeAsync(TestUsers.As(PortalRoles.Admin), first, MailboxProviderCatalog.MicrosoftConsumer, "delisting confirmed by hand", default);
        var afterwards = await PicksAsync(routing, "someone@hotmail.com");

        Assert.DoesNotContain("203.0.113.10", toOutlook);
        Assert.DoesNotContain("203.0.113.99", toOutlook); // two of three primaries left: no spare needed
        Assert.Contains("203.0.113.10", toGmail);
        Assert.Contains("203.0.113.10", afterwards);
        Assert.Equal(2, changes);
        await using var check = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var audit = await check.RoutingExclusions.SingleAsync();
        Assert.Equal(("support@test", "S3150 from Outlook.com", "admin@test", "delisting confirmed by hand"), (audit.StartedBy, audit.Reason, audit.EndedBy, audit.EndReason));
        Assert.NotNull(audit.EndedAtUtc);
    }

    [Fact]
    public async Task Routing_changes_need_a_reason_and_the_admin_or_support_role()
    {
        using var portal = new PortalFactory();
        _ = portal.Server;
        var routing = portal.Service<RoutingService>();

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => routing.ExcludeAsync(TestUsers.As(PortalRoles.AccountManager), 1, "google", "why", default));
        var noReason = await Assert.ThrowsAsync<ArgumentException>(() => routing.ExcludeAsync(TestUsers.As(PortalRoles.Admin), 1, "google", " ", default));
        var noIp = await Assert.ThrowsAsync<ArgumentException>(() => routing.ExcludeAsync(TestUsers.As(PortalRoles.Admin), 999, "google", "why", default));

        Assert.Contains("audit log", noReason.Message);
        Assert.Contains("999", noIp.Message);
    }

    private static async Task<HashSet<string>> PicksAsync(RoutingService routing, string email)
    {
        var picked = new HashSet<string>();
        for (var i = 0; i < 200; i++)
        {
            picked.Add((await routing.PickForAsync(email, default)).Address);
        }
        return picked;
    }
}
