using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;
using PrPortal.Features.Providers;
using PrPortal.Features.Reports;
using PrPortal.Features.Resend;
using PrPortal.Sandbox;
using PrPortal.Tests.Support;
using Xunit.Abstractions;

namespace PrPortal.Tests.Integration.Resend;

/// <summary>
/// Exactly once: `resend run` is killed (SIGKILL) several times mid-batch while sending to the sandbox's
/// Microsoft simulators, which count what they receive, and then run to the end.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ResendCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_recipient_gets_exactly_one_resend_though_the_sender_is_killed_mid_batch_three_times()
    {
        using var portal = new DemoPortalFactory();
        _ = portal.Server;
        var world = portal.Service<SandboxWorld>();
        var simulators = new[] { MailboxProviderCatalog.MicrosoftConsumer, MailboxProviderCatalog.Microsoft365 }.Select(world.Simulator).ToList();
        foreach (var simulator in simulators)
        {
            simulator.Rules.UnblockAll();
        }
        var admin = TestUsers.As(PortalRoles.Admin);
        // Slow enough to be caught midway: 1200 a minute per provider.
        await portal.Service<ResendService>().SavePolicyAsync(admin, new ResendPolicy(true, 24, 60, 1200), default);
        var scope = new AffectedScope { FromUtc = DateTime.UtcNow.AddDays(-70), UntilUtc = DateTime.UtcNow.AddHours(1) };
        var report = await portal.Service<AffectedReportService>().BuildAsync(scope, default);
        foreach (var company in report.Companies)
        {
            await portal.Service<ContactService>().SetAsync(admin, company.CompanyId, null, ContactStatus.Agreed, null, default);
        }
        var batchId = await portal.Service<ResendService>().StartAsync(admin, new ResendRequest { Scope = scope, ConsentReference = "every company agreed", ConfirmedDangerousLinks = true }, default);
        await using var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var items = await db.ResendItems.AsNoTracking().Where(i => i.BatchId == batchId).ToListAsync();
        Assert.True(items.Count >= 150, $"a batch big enough to interrupt ({items.Count})");

        // The verb process sends through this portal's sandbox: its DNS and its simulators.
        var environment = PortalProcess.Environment(portal.DatabasePath);
        environment["Dns__Servers__0"] = world.DnsEndpoint.ToString();
        environment["Delivery__SmtpPort"] = portal.Service<SandboxOptions>().SmtpPort.ToString();
        // A killed runner's claim holds for its lease; short here, so the last run may settle it.
        environment["Resend__LeaseSeconds"] = "2";
        int Received() => simulators.Sum(s => s.Received.Count(m => m.MessageId?.StartsWith($"<resend.b{batchId}.") == true));
        const int kills = 3;
        for (var k = 0; k < kills; k++)
        {
            using var process = PortalProcess.Start(environment, "resend", "run", "--batch", batchId.ToString());
            var target = Received() + 30;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (Received() < target && !process.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(5);
            }
            if (process.HasExited)
            {
                Assert.Fail($"run {k + 1} ended before it could be killed: {await process.StandardError.ReadToEndAsync()}");
            }
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            output.WriteLine($"killed run {k + 1} after {Received()} received");
        }
        await portal.Service<ResendService>().SavePolicyAsync(admin, new ResendPolicy(true, 24, 60, 60_000), default);
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the killed runs' leases run out
        var last = await PortalProcess.RunAsync(environment, "resend", "run", "--batch", batchId.ToString());
        Assert.True(last.ExitCode == 0, last.Stderr);

        var received = simulators.SelectMany(s => s.Received).Where(m => m.MessageId?.StartsWith($"<resend.b{batchId}.") == true).ToList();
        var copies = received.GroupBy(m => m.MessageId!.Trim('<', '>')).ToDictionary(g => g.Key, g => g.Count());
        var states = await db.ResendItems.AsNoTracking().Where(i => i.BatchId == batchId).GroupBy(i => i.State).Select(g => new { g.Key, Count = g.Count() }).ToListAsync();
        output.WriteLine($"{items.Count} items, {received.Count} received, {copies.Count(c => c.Value > 1)} second copies; states {string.Join(", ", states.Select(s => $"{s.Key}={s.Count}"))}");

        // Every item arrived, under its own Message-ID, to its own recipient.
        Assert.All(items, i => Assert.True(copies.ContainsKey(i.MessageId), $"{i.MessageId} never arrived"));
        Assert.Equal(items.Count, copies.Count);
        Assert.Equal(items.Count, states.Single(s => s.Key == ResendItemState.Sent).Count);
        // A kill can cut at most the one transaction in flight: a second copy, with the same Message-ID, at most once per kill.
        Assert.InRange(received.Count - items.Count, 0, kills);
        var emails = await db.Deliveries.AsNoTracking().Where(d => items.Select(i => i.DeliveryId).Contains(d.Id))
            .Select(d => new { d.Id, d.Recipient!.Email }).ToDictionaryAsync(d => ResendService.MessageIdFor(batchId, d.Id), d => d.Email);
        Assert.All(received, m => Assert.Equal(emails[m.MessageId!.Trim('<', '>')], m.Recipients.Single()));
    }
}
