using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;
using PrPortal.Features.Delivery;
using PrPortal.Features.IpPool;
using PrPortal.Features.Providers;
using PrPortal.Sandbox;
using PrPortal.Sandbox.Smtp;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Delivery;

/// <summary>Mail deferred by a provider waits for its retry; when its IP is taken out of that provider's pool it leaves at once through another.</summary>
[Trait("Category", "Integration")]
public sealed class DeferredRetryTests
{
    [Fact]
    public async Task Mail_deferred_on_an_ip_leaves_through_another_as_soon_as_the_ip_is_excluded()
    {
        using var portal = new DemoPortalFactory();
        _ = portal.Server;
        var delivery = portal.Service<DeliveryService>();
        var ips = await delivery.SendingIpsAsync(default);
        var deferring = ips.Where(i => i.Role == SendingIpRole.Primary).Last(); // not one of the demo's Microsoft blocks
        portal.Service<SandboxWorld>().Simulator(MailboxProviderCatalog.YahooJapan).Rules
            .Block(deferring.Address, new SimulatedReply(BlockStage.Rcpt, "451 4.7.1 [{ip}] temporarily deferred due to user complaints"));

        var sent = await delivery.SendTestAsync(new TestSend { Recipients = "kaori@yahoo.co.jp\nshin@yahoo.co.jp", SendingIpId = deferring.Id }, default);
        var db = portal.Service<IDbContextFactory<PortalDbContext>>();
        async Task<List<Data.Entities.Delivery>> MineAsync()
        {
            await using var context = await db.CreateDbContextAsync();
            return await context.Deliveries.AsNoTracking().Include(d => d.Recipient).Include(d => d.Attempts)
                .Where(d => d.Recipient!.Email == "kaori@yahoo.co.jp" || d.Recipient!.Email == "shin@yahoo.co.jp").ToListAsync();
        }
        var waiting = await MineAsync();

        await portal.Service<RoutingService>().ExcludeAsync(TestUsers.As(PortalRoles.Support), deferring.Id, MailboxProviderCatalog.YahooJapan, "deferring everything", default);
        var done = waiting;
        for (var i = 0; i < 100 && done.Any(d => d.Status != DeliveryStatus.Delivered); i++)
        {
            await Task.Delay(100);
            done = await MineAsync();
        }

        Assert.All(sent.Attempts, a => Assert.Equal(AttemptOutcome.Deferred, a.Outcome));
        // Before: deferred, the next try five minutes on.
        Assert.All(waiting, d => Assert.Equal((DeliveryStatus.Deferred, 1), (d.Status, d.Deferrals)));
        Assert.All(waiting, d => Assert.InRange(d.NextAttemptAtUtc!.Value - d.Attempts.Single().AttemptedAtUtc, TimeSpan.FromMinutes(4.9), TimeSpan.FromMinutes(5.1)));
        // After: delivered within seconds, through another IP, nothing left queued.
        Assert.All(done, d => Assert.Equal(DeliveryStatus.Delivered, d.Status));
        Assert.All(done, d => Assert.Null(d.NextAttemptAtUtc));
        Assert.All(done, d => Assert.NotEqual(deferring.Id, d.Attempts.OrderBy(a => a.Id).Last().SendingIpId));
        Assert.All(done, d => Assert.Equal(2, d.Attempts.Count));
    }

    [Fact]
    public async Task Mail_deferred_for_longer_than_the_queue_lifetime_is_given_up_and_not_sent_again()
    {
        using var portal = new DemoPortalFactory();
        _ = portal.Server;
        var db = portal.Service<IDbContextFactory<PortalDbContext>>();
        long oldId, freshId;
        await using (var context = await db.CreateDbContextAsync())
        {
            var two = await context.Deliveries.OrderBy(d => d.Id).Take(2).ToListAsync();
            foreach (var (d, age) in two.Zip(new[] { 6.0, 1.0 }))
            {
                d.Status = DeliveryStatus.Deferred;
                d.QueuedAtUtc = DateTime.UtcNow.AddDays(-age);
                d.NextAttemptAtUtc = DateTime.UtcNow.AddMinutes(-1);
            }
            await context.SaveChangesAsync();
            (oldId, freshId) = (two[0].Id, two[1].Id);
        }
        var attemptsBefore = await AttemptsAsync(oldId);

        var tried = await portal.Service<DeferredRetry>().RunDueAsync(default);

        await using var check = await db.CreateDbContextAsync();
        var old = await check.Deliveries.SingleAsync(d => d.Id == oldId);
        Assert.Equal((DeliveryStatus.Failed, (DateTime?)null), (old.Status, old.NextAttemptAtUtc));
        Assert.Equal(attemptsBefore, await AttemptsAsync(oldId));
        Assert.True(tried >= 1);
        Assert.NotEqual(DeliveryStatus.Deferred, (await check.Deliveries.SingleAsync(d => d.Id == freshId)).Status);

        async Task<int> AttemptsAsync(long id)
        {
            await using var context = await db.CreateDbContextAsync();
            return await context.DeliveryAttempts.CountAsync(a => a.DeliveryId == id);
        }
    }

    [Fact]
    public void The_retry_schedule_grows_to_hourly()
    {
        Assert.Equal([5, 10, 20, 40, 60, 60], Enumerable.Range(1, 6).Select(n => RetrySchedule.Backoff(n).TotalMinutes));
        Assert.Equal(TimeSpan.FromMinutes(75), RetrySchedule.Waited(4));
    }
}
