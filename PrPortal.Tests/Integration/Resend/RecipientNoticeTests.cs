using Microsoft.EntityFrameworkCore;
using MimeKit;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;
using PrPortal.Features.Providers;
using PrPortal.Features.Resend;
using PrPortal.Sandbox;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Resend;

/// <summary>
/// The affected recipients of an incident are told, as the service told the media and users after its
/// fault: one mail each, in the chosen categories, from the template, through the delivery engine, as a
/// batch of its own with its audit; a second notice for the same incident reaches nobody twice.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RecipientNoticeTests
{
    [Fact]
    public async Task Each_affected_recipient_of_the_chosen_categories_is_told_once_what_they_missed()
    {
        using var portal = new StoryPortalFactory();
        _ = portal.Server;
        // After delisting: Microsoft takes our mail again, and every message is kept to read.
        var world = portal.Service<SandboxWorld>();
        foreach (var simulator in world.Simulators.Values)
        {
            simulator.Rules.UnblockAll();
            simulator.KeepMessages = true;
        }
        await portal.Service<ResendService>().SavePolicyAsync(TestUsers.As(PortalRoles.Admin), new ResendPolicy(false, 24, 60, 60_000), default);
        await using var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var incident = await db.Incidents.Where(i => i.Status == IncidentStatus.Open).Select(i => i.Id).SingleAsync();
        var notices = portal.Service<RecipientNoticeService>();
        RecipientCategory[] media = [RecipientCategory.MediaUser];

        var plan = await notices.PlanAsync(incident, media, default);
        Assert.True(plan.Total > 0);
        Assert.Equal(plan.Total, plan.ToSend[RecipientCategory.MediaUser]);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
            notices.CreateAsync(TestUsers.As(PortalRoles.AccountManager), incident, media, RecipientNoticeService.DefaultText("ja"), default));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            notices.CreateAsync(TestUsers.As(PortalRoles.Support), incident, media, new NoticeText("ja", "件名", "一覧なし"), default));

        var batchId = await notices.CreateAsync(TestUsers.As(PortalRoles.Support), incident, media, RecipientNoticeService.DefaultText("ja"), default);
        Assert.NotNull(batchId);
        // Two runners at once (the portal's job and an ops run): the claims make it one mail each.
        var runner = portal.Service<ResendRunner>();
        await Task.WhenAll(runner.RunAsync(batchId, default), runner.RunAsync(batchId, default));
        await runner.RunAsync(batchId, default);

        var received = world.Simulators.Values.SelectMany(s => s.Received).Where(m => m.MessageId?.StartsWith($"<notice.b{batchId}.") == true).ToList();
        Assert.Equal(plan.Total, received.Count);
        Assert.Equal(plan.Total, received.SelectMany(m => m.Recipients).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        var first = MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(received[0].Raw!)));
        Assert.Contains("お詫び", first.Subject);
        Assert.Contains("・", first.TextBody);
        Assert.DoesNotContain("{releases}", first.TextBody);
        Assert.DoesNotContain("{incident_period}", first.TextBody);
        // Media users only, and the release ledger is untouched: a notice is not a resend.
        var batch = await db.ResendBatches.AsNoTracking().SingleAsync(b => b.Id == batchId);
        Assert.Equal((BatchKind.RecipientNotice, ResendBatchState.Completed), (batch.Kind, batch.State));
        Assert.All(await db.ResendItems.AsNoTracking().Where(i => i.BatchId == batchId).ToListAsync(), i => Assert.Equal(RecipientCategory.MediaUser, i.Category));
        Assert.False(await db.FailedDeliveries.AnyAsync(f => f.ResendState != ResendState.NotResent));
        // Each notice's reply went through the attempt pipeline (counted per IP × provider, seen by the detector), as notice mail.
        Assert.Equal(plan.Total, await db.AttemptRollups.Where(r => r.TrafficClass == TrafficClass.Notice).SumAsync(r => r.Count));
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "notice.created" && a.Subject == $"incident {incident}"));

        // Again for the same incident: nobody is told twice; the other categories still can be.
        Assert.Equal(0, (await notices.PlanAsync(incident, media, default)).Total);
        Assert.Null(await notices.CreateAsync(TestUsers.As(PortalRoles.Support), incident, media, RecipientNoticeService.DefaultText("en"), default));
        var rest = await notices.PlanAsync(incident, [], default);
        Assert.Equal(plan.Total, rest.AlreadyNoticed);
    }
}
