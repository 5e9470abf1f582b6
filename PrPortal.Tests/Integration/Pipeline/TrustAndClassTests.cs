using System.Text;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Bounces;
using PrPortal.Features.Providers;
using PrPortal.Features.SendLog;
using PrPortal.Pipeline;
using PrPortal.Tests.Support;
using DeliveryRow = PrPortal.Data.Entities.Delivery;

namespace PrPortal.Tests.Integration.Pipeline;

/// <summary>
/// Which records may change a delivery (its own recipient; no stale refusal; a bounce after acceptance),
/// and which mail counts as damage (customer and resend, never a test send or a drill).
/// </summary>
[Trait("Category", "Integration")]
public sealed class TrustAndClassTests(DemoPortalFactory factory) : IClassFixture<DemoPortalFactory>
{
    private const string MicrosoftBlock = "550 5.7.1 Unfortunately, messages from [203.0.113.10] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).";

    private async Task<PortalDbContext> DbAsync()
    {
        _ = factory.Server;
        return await factory.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
    }

    /// <summary>A delivered demo mail with its acceptance, not used by another test of this class.</summary>
    private static async Task<(DeliveryRow Delivery, DateTime AcceptedAt, string Ip)> DeliveredAsync(PortalDbContext db, int skip)
    {
        var accepted = await db.DeliveryAttempts.AsNoTracking().Include(a => a.Delivery!).ThenInclude(d => d.Recipient).Include(a => a.SendingIp)
            .Where(a => a.Outcome == AttemptOutcome.Accepted && a.Delivery!.Status == DeliveryStatus.Delivered && a.Delivery.TrafficClass == TrafficClass.Customer
                && !db.FailedDeliveries.Any(f => f.DeliveryId == a.DeliveryId))
            .OrderBy(a => a.DeliveryId).Skip(skip).FirstAsync();
        return (accepted.Delivery!, accepted.AttemptedAtUtc, accepted.SendingIp!.Address);
    }

    private Task<IngestResult> IngestJsonAsync(string line) =>
        factory.Service<SendLogIngestor>().IngestStreamAsync("jsonl", new MemoryStream(Encoding.UTF8.GetBytes(line + "\n")), "trust-test", 2025, default);

    private static string Json(DateTime at, long deliveryId, string recipient, string ip, string outcome, string reply) =>
        $$"""{"at":"{{at:O}}","delivery_id":{{deliveryId}},"recipient":"{{recipient}}","source_ip":"{{ip}}","reply_code":{{reply[..3]}},"status":"5.7.1","reply":"{{reply}}","outcome":"{{outcome}}"}""";

    [Fact]
    public async Task A_record_naming_another_recipient_changes_nothing_of_the_delivery_but_still_counts_in_the_rollups()
    {
        await using var db = await DbAsync();
        var (delivery, acceptedAt, ip) = await DeliveredAsync(db, 0);
        var at = acceptedAt.AddMinutes(5);
        var rollupsBefore = await db.AttemptRollups.Where(r => r.SourceIp == ip).SumAsync(r => r.Count);

        var result = await IngestJsonAsync(Json(at, delivery.Id, "someone-else@outlook.jp", ip, "rejected", MicrosoftBlock));

        Assert.Equal(1, result.Records);
        Assert.Equal(0, result.Attempts);
        var after = await db.Deliveries.AsNoTracking().Include(d => d.Attempts).SingleAsync(d => d.Id == delivery.Id);
        Assert.Equal(DeliveryStatus.Delivered, after.Status);
        Assert.DoesNotContain(after.Attempts, a => a.AttemptedAtUtc == at);
        Assert.False(await db.FailedDeliveries.AnyAsync(f => f.DeliveryId == delivery.Id));
        Assert.Equal(rollupsBefore + 1, await db.AttemptRollups.Where(r => r.SourceIp == ip).SumAsync(r => r.Count));
    }

    [Fact]
    public async Task A_refusal_older_than_the_acceptance_is_kept_as_history_and_never_reopens_the_mail()
    {
        await using var db = await DbAsync();
        var (delivery, acceptedAt, ip) = await DeliveredAsync(db, 1);

        var result = await IngestJsonAsync(Json(acceptedAt.AddMinutes(-30), delivery.Id, delivery.Recipient!.Email, ip, "rejected", MicrosoftBlock));

        Assert.Equal(1, result.Attempts);
        var after = await db.Deliveries.AsNoTracking().Include(d => d.Attempts).SingleAsync(d => d.Id == delivery.Id);
        Assert.Equal(DeliveryStatus.Delivered, after.Status);
        Assert.True(after.Attempts.Single(a => a.AttemptedAtUtc == acceptedAt.AddMinutes(-30)).Stale);
        Assert.False(await db.FailedDeliveries.AnyAsync(f => f.DeliveryId == delivery.Id));
    }

    [Fact]
    public async Task A_bounce_after_the_acceptance_marks_the_mail_failed_and_one_before_it_does_not()
    {
        await using var db = await DbAsync();
        var (late, lateAccepted, _) = await DeliveredAsync(db, 2);
        var (early, earlyAccepted, _) = await DeliveredAsync(db, 3);
        var bounces = factory.Service<BounceIngestor>();

        var lateBounce = Bounce(late, lateAccepted.AddHours(1));
        var after = await bounces.IngestAsync([lateBounce], default);
        var before = await bounces.IngestAsync([Bounce(early, earlyAccepted.AddHours(-1))], default);
        var again = await bounces.IngestAsync([lateBounce], default);

        Assert.Equal((1, 1), (after.Records, after.Attempts));
        Assert.Equal(DeliveryStatus.Failed, (await db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == late.Id)).Status);
        var ledger = await db.FailedDeliveries.AsNoTracking().SingleAsync(f => f.DeliveryId == late.Id);
        Assert.Equal(("blocked", true, null), (ledger.Reason, ledger.IpBlock, ledger.DeliveredAtUtc));
        Assert.Equal(DeliveryStatus.Delivered, (await db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == early.Id)).Status);
        Assert.False(await db.FailedDeliveries.AnyAsync(f => f.DeliveryId == early.Id));
        Assert.Equal(1, before.Attempts);
        Assert.Equal((1, 0), (again.Duplicates, again.Attempts)); // the same bounce fetched twice
    }

    [Fact]
    public async Task A_bounce_for_no_delivery_of_ours_is_attributed_to_the_ip_its_reply_names()
    {
        await using var db = await DbAsync();
        var ip = await db.SendingIps.AsNoTracking().OrderBy(i => i.Id).Skip(5).Select(i => i.Address).FirstAsync();
        var message = Bounce(null, DateTime.UtcNow, reply: MicrosoftBlock.Replace("203.0.113.10", ip), recipient: "unknown-person@hotmail.com");

        var result = await factory.Service<AttemptPipeline>().ProcessAsync(factory.Service<BounceIngestor>().Records(message), null, default);

        var record = Assert.Single(result.Records);
        Assert.Equal((RecordFate.Counted, ip, MailboxProviderCatalog.MicrosoftConsumer), (record.Fate, record.SourceIp, record.Provider));
    }

    [Fact]
    public async Task Drill_and_test_refusals_stay_out_of_the_ledger_and_open_incidents_of_their_own_class()
    {
        await using var db = await DbAsync();
        var pipeline = factory.Service<AttemptPipeline>();
        var ips = await db.SendingIps.AsNoTracking().Where(i => i.Role == SendingIpRole.Primary).OrderBy(i => i.Id).Skip(40).Take(3).Select(i => i.Address).ToListAsync();
        var some = await db.Deliveries.AsNoTracking().OrderByDescending(d => d.Id).FirstAsync();
        var company = await db.Releases.Where(r => r.Id == some.ReleaseId).Select(r => r.CompanyId).FirstAsync();
        var person = db.Recipients.Add(new Recipient { Email = "drill-test@hotmail.com", Domain = "hotmail.com", Category = RecipientCategory.MediaUser, CompanyId = company }).Entity;
        await db.SaveChangesAsync();
        db.Deliveries.Add(new DeliveryRow { ReleaseId = some.ReleaseId, RecipientId = person.Id, QueuedAtUtc = some.QueuedAtUtc, TrafficClass = TrafficClass.Test });
        await db.SaveChangesAsync();
        var test = await db.Deliveries.AsNoTracking().Include(d => d.Recipient).OrderByDescending(d => d.Id).FirstAsync();
        var at = new DateTime(2026, 11, 20, 3, 0, 0, DateTimeKind.Utc);
        AttemptRecord Refusal(string ip, int n, TrafficClass? trafficClass, long? delivery = null, string? recipient = null) => new()
        {
            Origin = RecordOrigin.Engine, AtUtc = at.AddSeconds(n), SourceIp = ip, Provider = MailboxProviderCatalog.MicrosoftConsumer,
            Recipient = recipient ?? $"r{n}@hotmail.com", DeliveryId = delivery, ReplyCode = 550, ReplyText = MicrosoftBlock, Outcome = AttemptOutcome.Rejected, Class = trafficClass,
        };

        // A live block on the first IP, then a drill and a test send meet the same provider from the others.
        await pipeline.ProcessAsync(Enumerable.Range(0, 3).Select(n => Refusal(ips[0], n, null)).ToList(), null, default);
        await pipeline.ProcessAsync(Enumerable.Range(3, 3).Select(n => Refusal(ips[1], n, TrafficClass.Drill)).ToList(), null, default);
        await pipeline.ProcessAsync([Refusal(ips[2], 6, null, test.Id, test.Recipient!.Email), .. Enumerable.Range(7, 2).Select(n => Refusal(ips[2], n, TrafficClass.Test))], null, default);

        var incidents = await db.Incidents.AsNoTracking().Include(i => i.Cells).Where(i => i.OpenedAtUtc >= at).ToListAsync();
        var live = Assert.Single(incidents, i => i.Class == IncidentClass.Live);
        Assert.Equal([ips[0]], live.Cells.Select(c => c.SourceIp).Distinct());
        Assert.Equal([ips[1]], Assert.Single(incidents, i => i.Class == IncidentClass.Drill).Cells.Select(c => c.SourceIp).Distinct());
        Assert.Equal([ips[2]], Assert.Single(incidents, i => i.Class == IncidentClass.Test).Cells.Select(c => c.SourceIp).Distinct());
        var testAttempt = await db.DeliveryAttempts.AsNoTracking().SingleAsync(a => a.DeliveryId == test.Id && a.AttemptedAtUtc == at.AddSeconds(6));
        Assert.Equal(TrafficClass.Test, testAttempt.TrafficClass);
        Assert.Equal(DeliveryStatus.Failed, (await db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == test.Id)).Status);
        Assert.False(await db.FailedDeliveries.AnyAsync(f => f.DeliveryId == test.Id));
        // A test send's block moves no routing; a drill's does, as the drill is there to train.
        Assert.False(await db.RoutingExclusions.AnyAsync(e => e.EndedAtUtc == null && e.SendingIp!.Address == ips[2]));
        // The grid marks the drill's and the test's attempts.
        // (The demo's own customer mail may share that hour and those IPs: it is counted apart.)
        var hour = new DateTime(2026, 11, 20, 3, 0, 0, DateTimeKind.Utc);
        Assert.Contains(TrafficClass.Drill, await db.AttemptRollups.Where(r => r.SourceIp == ips[1] && r.HourUtc == hour).Select(r => r.TrafficClass).ToListAsync());
        Assert.Contains(TrafficClass.Test, await db.AttemptRollups.Where(r => r.SourceIp == ips[2] && r.HourUtc == hour).Select(r => r.TrafficClass).ToListAsync());
        Assert.DoesNotContain(TrafficClass.Drill, await db.AttemptRollups.Where(r => r.SourceIp == ips[2] && r.HourUtc == hour).Select(r => r.TrafficClass).ToListAsync());
    }

    private static MimeMessage Bounce(DeliveryRow? delivery, DateTime atUtc, string reply = MicrosoftBlock, string? recipient = null)
    {
        recipient ??= delivery!.Recipient!.Email;
        var status = new MessageDeliveryStatus();
        status.StatusGroups.Add(new HeaderList { { "Reporting-MTA", "dns; relay.mail.prportal.example" } });
        status.StatusGroups.Add(new HeaderList
        {
            { "Final-Recipient", $"rfc822; {recipient}" },
            { "Action", "failed" },
            { "Status", "5.7.1" },
            { "Diagnostic-Code", $"smtp; {reply}" },
        });
        var message = new MimeMessage { Subject = "Undelivered Mail Returned to Sender", Date = new DateTimeOffset(atUtc, TimeSpan.Zero) };
        message.MessageId = $"bounce-{Guid.NewGuid():N}@relay.mail.prportal.example";
        message.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@relay.mail.prportal.example"));
        message.To.Add(MailboxAddress.Parse(delivery is null ? "bounce@bounce.prportal.example" : $"bounce+d{delivery.Id}@bounce.prportal.example"));
        message.Body = new MultipartReport("delivery-status") { new TextPart("plain") { Text = $"<{recipient}>: {reply}" }, status };
        return message;
    }
}
