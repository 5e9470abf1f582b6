using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Delivery;
using PrPortal.Features.Reports;

namespace PrPortal.Features.Resend;

public sealed record ResendRunResult(int Batches, int Sent, int Failed, int Deferred, int Waiting)
{
    public override string ToString() => $"{Batches} batches: {Sent} sent, {Failed} failed, {Deferred} deferred, {Waiting} waiting for an IP";
}

/// <summary>
/// Sends queued resend batches through the delivery engine from IPs the routing allows, throttled per
/// provider. Any number of runners (the portal's job in each instance, `resend run` processes) may work
/// one batch at once: an item is claimed by a conditional update only one runner can win, which writes
/// it "sending" with the runner's name, the try's time and a lease, before its SMTP transaction; the
/// reply is written only by the runner that still holds the claim. An item whose lease ran out (its
/// runner died) is settled against the attempts: an acceptance recorded after its try means it got
/// through; otherwise it goes again with the same Message-ID, so the one case left (the runner lost
/// between the end of DATA and the commit of the reply) is a copy the receiver can recognise. Pause and
/// cancel are seen between two mails.
/// </summary>
public sealed class ResendRunner(
    IDbContextFactory<PortalDbContext> factory,
    ReleaseSender sender,
    AttemptRecorder recorder,
    IpPool.RoutingService routing,
    ResendService resends,
    AffectedReportService reports,
    ResendOptions options,
    SenderAuth.SenderAuthOptions senderAuth,
    TimeProvider clock,
    ILogger<ResendRunner> logger)
{
    private readonly SemaphoreSlim _running = new(1, 1);
    private readonly Dictionary<string, DateTime> _nextPerProvider = [];

    /// <summary>This runner's name in the claims it holds: host, process and instance.</summary>
    public string Owner { get; } = $"{Environment.ProcessId}:{Guid.NewGuid():N}:{Environment.MachineName}" is var name && name.Length > 200 ? name[..200] : name;

    /// <summary>Runs every queued or running batch (or just one) until done, paused, cancelled or waiting for IPs.</summary>
    public async Task<ResendRunResult> RunAsync(int? onlyBatch, CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            var total = new ResendRunResult(0, 0, 0, 0, 0);
            List<int> ids;
            await using (var db = await factory.CreateDbContextAsync(cancellationToken))
            {
                ids = await db.ResendBatches.Where(b => (b.State == ResendBatchState.Queued || b.State == ResendBatchState.Running) && (onlyBatch == null || b.Id == onlyBatch))
                    .OrderBy(b => b.Id).Select(b => b.Id).ToListAsync(cancellationToken);
            }
            foreach (var id in ids)
            {
                var r = await RunBatchAsync(id, cancellationToken);
                total = new ResendRunResult(total.Batches + 1, total.Sent + r.Sent, total.Failed + r.Failed, total.Deferred + r.Deferred, total.Waiting + r.Waiting);
            }
            return total;
        }
        finally
        {
            _running.Release();
        }
    }

    private sealed record Mail(long DeliveryId, string Email, string FromAddress, string Company, string Title, string Subject, ReleaseContent? Content, DateTime QueuedAtUtc, int RecipientId);

    private sealed record Missed(IReadOnlyDictionary<int, List<(string Title, string Company, DateTime SentAtUtc)>> ByRecipient, DateTime From, DateTime Until);

    /// <summary>What each recipient missed in the notice's incident: the releases, newest first.</summary>
    private async Task<Missed> MissedAsync(PortalDbContext db, ResendBatch batch, CancellationToken cancellationToken)
    {
        var (from, until, rows) = await reports.ReadAsync(db, new AffectedScope { IncidentId = batch.IncidentId }, cancellationToken, includeDelivered: true);
        var releaseIds = rows.Select(r => r.ReleaseId).Distinct().ToList();
        var releases = await db.Releases.AsNoTracking().Where(r => releaseIds.Contains(r.Id))
            .Select(r => new { r.Id, r.Title, Company = r.Company!.Name, r.PublishedAtUtc }).ToDictionaryAsync(r => r.Id, cancellationToken);
        var byRecipient = rows.GroupBy(r => r.RecipientId).ToDictionary(g => g.Key, g => g.Select(r => r.ReleaseId).Distinct()
            .Select(id => releases[id]).OrderByDescending(r => r.PublishedAtUtc).Select(r => (r.Title, r.Company, r.PublishedAtUtc)).ToList());
        return new Missed(byRecipient, from, until);
    }

    private async Task<ResendRunResult> RunBatchAsync(int batchId, CancellationToken cancellationToken)
    {
        int sent = 0, failed = 0, deferred = 0;
        var policy = await resends.PolicyAsync(cancellationToken);
        var spacing = TimeSpan.FromMinutes(1) / policy.PerProviderPerMinute;
        var waitingProviders = new HashSet<string>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.ResendBatches.Where(b => b.Id == batchId && b.State == ResendBatchState.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.State, ResendBatchState.Running), cancellationToken);
        var batch = await db.ResendBatches.AsNoTracking().FirstAsync(b => b.Id == batchId, cancellationToken);
        var template = new DelayNoticeTemplate(batch.Language, batch.SubjectPrefix, batch.NoticeHtml, batch.NoticeText);
        // A notice to recipients tells each what they missed in the incident; it resends nothing.
        var notice = batch.Kind == BatchKind.RecipientNotice ? await MissedAsync(db, batch, cancellationToken) : null;

        var tried = new HashSet<long>();
        while (true)
        {
            await SettleExpiredAsync(db, batchId, notice is not null, cancellationToken);
            var items = await db.ResendItems.AsNoTracking()
                .Where(i => i.BatchId == batchId && i.State == ResendItemState.Pending && !waitingProviders.Contains(i.ProviderId))
                .OrderBy(i => i.Id).Take(200).ToListAsync(cancellationToken);
            items = items.Where(i => !tried.Contains(i.Id)).Take(50).ToList();
            if (items.Count == 0)
            {
                break;
            }
            var deliveryIds = items.Select(i => i.DeliveryId).ToList();
            var serviceFrom = senderAuth.ServiceFrom;
            var mails = (await db.Deliveries.AsNoTracking().Where(d => deliveryIds.Contains(d.Id))
                // A company's own From is for its own (imported) lists; everyone else gets the service's.
                .Select(d => new
                {
                    d.Id, d.Recipient!.Email, From = d.Recipient.CompanyId == d.Release!.CompanyId ? d.Release.FromAddress : serviceFrom,
                    Company = d.Release.Company!.Name, d.Release.Title, d.Release.Subject, d.Release.Html, d.Release.Text, d.QueuedAtUtc, d.RecipientId,
                })
                .ToListAsync(cancellationToken))
                .ToDictionary(m => m.Id, m => new Mail(m.Id, m.Email, m.From, m.Company, m.Title, m.Subject ?? m.Title, ReleaseContent.Of(m.Html, m.Text), m.QueuedAtUtc, m.RecipientId));
            foreach (var item in items)
            {
                tried.Add(item.Id);
                var state = await db.ResendBatches.AsNoTracking().Where(b => b.Id == batchId).Select(b => b.State).FirstAsync(cancellationToken);
                if (state != ResendBatchState.Running)
                {
                    logger.LogInformation("Resend batch {Batch} stopped: {State}", batchId, state);
                    return new ResendRunResult(1, sent, failed, deferred, 0);
                }
                if (waitingProviders.Contains(item.ProviderId))
                {
                    continue;
                }
                if (!mails.TryGetValue(item.DeliveryId, out var mail) || (mail.Content is null && notice is null))
                {
                    // Never a stand-in: without the release's stored content the item is not sent.
                    await db.ResendItems.Where(i => i.Id == item.Id && i.State == ResendItemState.Pending)
                        .ExecuteUpdateAsync(s => s.SetProperty(i => i.State, ResendItemState.Skipped).SetProperty(i => i.Reply, "no_body: the release's content is not stored"), cancellationToken);
                    continue;
                }
                var ip = await routing.PickAsync(item.ProviderId, cancellationToken);
                if (ip is null)
                {
                    // Every IP is still excluded for this provider: its items wait for the next run.
                    waitingProviders.Add(item.ProviderId);
                    continue;
                }
                await ThrottleAsync(item.ProviderId, spacing, cancellationToken);

                // The claim before the send: only one runner wins it, and a crash from here on is settled after the lease.
                var now = clock.GetUtcNow().UtcDateTime;
                var leaseUntil = now.AddSeconds(options.LeaseSeconds);
                var won = await db.ResendItems.Where(i => i.Id == item.Id && i.State == ResendItemState.Pending)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(i => i.State, ResendItemState.Sending)
                        .SetProperty(i => i.ClaimedBy, Owner)
                        .SetProperty(i => i.LeaseUntilUtc, leaseUntil)
                        .SetProperty(i => i.TriedAtUtc, now)
                        .SetProperty(i => i.Tries, i => i.Tries + 1), cancellationToken);
                if (won == 0)
                {
                    continue; // another runner has it
                }
                var tries = await db.ResendItems.AsNoTracking().Where(i => i.Id == item.Id).Select(i => i.Tries).FirstAsync(cancellationToken);

                IReadOnlyList<AttemptResult> results;
                if (notice is { } missed)
                {
                    // The notice: from the service's address, its own return path, tied to no delivery.
                    var message = RecipientNoticeService.Build(batch, item.MessageId, serviceFrom, mail.Email,
                        missed.ByRecipient.GetValueOrDefault(mail.RecipientId, []), missed.From, missed.Until);
                    results = await sender.SendNoticeAsync(serviceFrom, mail.Email, message, ip, cancellationToken);
                    // Its reply goes through the pipeline like any mail from our IPs: counted per IP × provider and
                    // seen by the detector (a refusal of a notice is evidence of a block too), stored on no delivery.
                    await recorder.RecordAsync(results, cancellationToken, TrafficClass.Notice);
                }
                else
                {
                    var delay = now - mail.QueuedAtUtc;
                    var delayNotice = delay >= TimeSpan.FromMinutes(batch.NoticeAfterMinutes)
                        ? DelayNotice.Fill(template, mail.QueuedAtUtc, mail.Title, mail.Company) : null;
                    var message = ReleaseMessage.BuildResend(mail.DeliveryId, item.MessageId, mail.FromAddress, mail.Company, mail.Email, mail.Subject,
                        mail.Content!, delayNotice);
                    results = await sender.SendMessageAsync(mail.DeliveryId, mail.Email, message, ip, cancellationToken);
                    // From the reply to the commit of its attempt: a runner lost in this window has sent a mail it
                    // does not know of, and the item goes again (the same Message-ID) once its lease runs out.
                    var window = System.Diagnostics.Stopwatch.StartNew();
                    await recorder.RecordAsync(results, cancellationToken, TrafficClass.Resend);
                    logger.LogDebug("Resend window {WindowMs:0.000} ms (reply to commit) for item {Item}", window.Elapsed.TotalMilliseconds, item.Id);
                }
                var result = results[0];

                // The reply, written only while this runner still holds the claim.
                var (next, sentAt) = result.Outcome switch
                {
                    AttemptOutcome.Accepted => (ResendItemState.Sent, (DateTime?)result.AttemptedAtUtc),
                    AttemptOutcome.Rejected => (ResendItemState.Failed, null),
                    _ => (tries >= options.MaxTries ? ResendItemState.Failed : ResendItemState.Pending, null),
                };
                var reply = Truncate(result.ReplyText ?? result.Error);
                var written = await db.ResendItems.Where(i => i.Id == item.Id && i.State == ResendItemState.Sending && i.ClaimedBy == Owner)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(i => i.State, next)
                        .SetProperty(i => i.SentAtUtc, sentAt)
                        .SetProperty(i => i.SourceIp, ip.Address)
                        .SetProperty(i => i.Reply, reply)
                        .SetProperty(i => i.ClaimedBy, (string?)null)
                        .SetProperty(i => i.LeaseUntilUtc, (DateTime?)null), cancellationToken);
                if (written == 0)
                {
                    logger.LogWarning("Resend item {Item} was settled by another runner while this one sent it (lease of {Lease} s too short?)", item.Id, options.LeaseSeconds);
                    continue;
                }
                switch (next)
                {
                    case ResendItemState.Sent:
                        sent++;
                        break;
                    case ResendItemState.Failed:
                        failed++;
                        break;
                    default:
                        deferred++;
                        break;
                }
                if (notice is null)
                {
                    await MarkLedgerAsync(db, item.DeliveryId, next, cancellationToken);
                }
            }
        }

        var open = await db.ResendItems.CountAsync(i => i.BatchId == batchId && (i.State == ResendItemState.Pending || i.State == ResendItemState.Sending), cancellationToken);
        if (open == 0)
        {
            var counts = await db.ResendItems.Where(i => i.BatchId == batchId).GroupBy(i => i.State).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
            int Of(ResendItemState s) => counts.FirstOrDefault(c => c.Key == s)?.Count ?? 0;
            var outcome = Infrastructure.Text.LocalText.Of("Resend.Outcome.Done", Of(ResendItemState.Sent), Of(ResendItemState.Failed), Of(ResendItemState.Skipped)).Encode();
            var finished = clock.GetUtcNow().UtcDateTime;
            await db.ResendBatches.Where(b => b.Id == batchId && b.State == ResendBatchState.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.State, ResendBatchState.Completed).SetProperty(b => b.FinishedAtUtc, finished)
                    .SetProperty(b => b.Outcome, outcome), cancellationToken);
        }
        else if (waitingProviders.Count > 0)
        {
            var outcome = Infrastructure.Text.LocalText.Of("Resend.Outcome.Waiting", string.Join(", ", waitingProviders.Order().Select(Providers.MailboxProviderCatalog.InvariantName))).Encode();
            await db.ResendBatches.Where(b => b.Id == batchId && b.State == ResendBatchState.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.Outcome, outcome), cancellationToken);
        }
        return new ResendRunResult(1, sent, failed, deferred, open);
    }

    /// <summary>
    /// Items left "sending" by a runner whose lease ran out: done if an acceptance was recorded after
    /// their try, else pending again (same Message-ID). A live runner's items are never touched, and of
    /// two runners settling the same item only one does.
    /// </summary>
    /// <remarks>A notice is tied to no delivery, so nothing tells whether a lost runner's notice went: it goes again.</remarks>
    private async Task SettleExpiredAsync(PortalDbContext db, int batchId, bool notice, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var expired = await db.ResendItems.AsNoTracking()
            .Where(i => i.BatchId == batchId && i.State == ResendItemState.Sending && (i.LeaseUntilUtc == null || i.LeaseUntilUtc < now))
            .ToListAsync(cancellationToken);
        foreach (var item in expired)
        {
            var accepted = notice ? null : await db.DeliveryAttempts.AsNoTracking()
                .Where(a => a.DeliveryId == item.DeliveryId && a.Outcome == AttemptOutcome.Accepted && a.AttemptedAtUtc >= item.TriedAtUtc)
                .OrderBy(a => a.AttemptedAtUtc).Select(a => (DateTime?)a.AttemptedAtUtc).FirstOrDefaultAsync(cancellationToken);
            var next = accepted is null ? ResendItemState.Pending : ResendItemState.Sent;
            var settled = await db.ResendItems
                .Where(i => i.Id == item.Id && i.State == ResendItemState.Sending && i.ClaimedBy == item.ClaimedBy && i.LeaseUntilUtc == item.LeaseUntilUtc)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(i => i.State, next)
                    .SetProperty(i => i.SentAtUtc, accepted)
                    .SetProperty(i => i.ClaimedBy, (string?)null)
                    .SetProperty(i => i.LeaseUntilUtc, (DateTime?)null), cancellationToken);
            if (settled == 1)
            {
                logger.LogInformation("Resend item {Item} of batch {Batch}: lease of {Owner} ran out; {State}", item.Id, batchId, item.ClaimedBy, next);
                if (!notice)
                {
                    await MarkLedgerAsync(db, item.DeliveryId, next, cancellationToken);
                }
            }
        }
    }

    private static Task MarkLedgerAsync(PortalDbContext db, long deliveryId, ResendItemState state, CancellationToken cancellationToken) => state switch
    {
        ResendItemState.Sent => db.FailedDeliveries.Where(f => f.DeliveryId == deliveryId)
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.ResendState, ResendState.Resent), cancellationToken),
        // A refused resend can go in a later batch (after the next block is lifted).
        ResendItemState.Failed => db.FailedDeliveries.Where(f => f.DeliveryId == deliveryId)
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.ResendState, ResendState.NotResent), cancellationToken),
        _ => Task.CompletedTask,
    };

    private async Task ThrottleAsync(string provider, TimeSpan spacing, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (_nextPerProvider.TryGetValue(provider, out var next) && next > now)
        {
            await Task.Delay(next - now, clock, cancellationToken);
            now = next;
        }
        _nextPerProvider[provider] = now + spacing;
    }

    private static string? Truncate(string? text) => text is { Length: > 1000 } ? text[..1000] : text;
}

/// <summary>Asks the Quartz resend job to run now, when this process runs the scheduler.</summary>
public sealed class ResendKicker(Quartz.ISchedulerFactory schedulers, Hosting.ScheduleOptions schedules, ILogger<ResendKicker> logger)
{
    public void Kick()
    {
        if (!schedules.Enabled)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                var scheduler = await schedulers.GetScheduler();
                await scheduler.TriggerJob(new Quartz.JobKey("resend", "portal"));
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Could not start the resend job; it runs within a minute anyway");
            }
        });
    }
}
