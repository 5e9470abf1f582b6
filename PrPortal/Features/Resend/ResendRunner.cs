using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Delivery;

namespace PrPortal.Features.Resend;

public sealed record ResendRunResult(int Batches, int Sent, int Failed, int Deferred, int Waiting)
{
    public override string ToString() => $"{Batches} batches: {Sent} sent, {Failed} failed, {Deferred} deferred, {Waiting} waiting for an IP";
}

/// <summary>
/// Sends queued resend batches through the delivery engine from IPs the routing allows, throttled per
/// provider. Each item is written "sending" (with its fixed Message-ID) before its SMTP transaction and
/// "sent" after it. After a crash an item left "sending" is first checked against the attempts: an
/// acceptance recorded after its try means it got through; otherwise it goes again with the same
/// Message-ID, so the one case left (the connection lost after DATA, before the reply) is a copy the
/// receiver can recognise. Pause and cancel are seen between two mails.
/// </summary>
public sealed class ResendRunner(
    IDbContextFactory<PortalDbContext> factory,
    ReleaseSender sender,
    AttemptRecorder recorder,
    IpPool.RoutingService routing,
    ResendService resends,
    ResendOptions options,
    SenderAuth.SenderAuthOptions senderAuth,
    TimeProvider clock,
    ILogger<ResendRunner> logger)
{
    private readonly SemaphoreSlim _running = new(1, 1);
    private readonly Dictionary<string, DateTime> _nextPerProvider = [];

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

    private sealed record Mail(long DeliveryId, string Email, string FromAddress, string Company, string Title, DateTime QueuedAtUtc);

    private async Task<ResendRunResult> RunBatchAsync(int batchId, CancellationToken cancellationToken)
    {
        int sent = 0, failed = 0, deferred = 0;
        var policy = await resends.PolicyAsync(cancellationToken);
        var spacing = TimeSpan.FromMinutes(1) / policy.PerProviderPerMinute;
        var waitingProviders = new HashSet<string>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var batch = await db.ResendBatches.FirstAsync(b => b.Id == batchId, cancellationToken);
        if (batch.State == ResendBatchState.Queued)
        {
            batch.State = ResendBatchState.Running;
            await db.SaveChangesAsync(cancellationToken);
        }
        var template = new DelayNoticeTemplate(batch.Language, batch.SubjectPrefix, batch.NoticeHtml, batch.NoticeText);

        await SettleInterruptedAsync(db, batchId, cancellationToken);
        var tried = new HashSet<long>();
        while (true)
        {
            var items = await db.ResendItems.Where(i => i.BatchId == batchId && i.State == ResendItemState.Pending && !waitingProviders.Contains(i.ProviderId))
                .OrderBy(i => i.Id).Take(50).ToListAsync(cancellationToken);
            items = items.Where(i => !tried.Contains(i.Id)).ToList();
            if (items.Count == 0)
            {
                break;
            }
            var deliveryIds = items.Select(i => i.DeliveryId).ToList();
            var serviceFrom = senderAuth.ServiceFrom;
            var mails = await db.Deliveries.AsNoTracking().Where(d => deliveryIds.Contains(d.Id))
                // A company's own From is for its own (imported) lists; everyone else gets the service's.
                .Select(d => new Mail(d.Id, d.Recipient!.Email, d.Recipient.CompanyId == d.Release!.CompanyId ? d.Release.FromAddress : serviceFrom,
                    d.Release.Company!.Name, d.Release.Title, d.QueuedAtUtc))
                .ToDictionaryAsync(m => m.DeliveryId, cancellationToken);
            foreach (var item in items)
            {
                tried.Add(item.Id);
                await db.Entry(batch).ReloadAsync(cancellationToken);
                if (batch.State != ResendBatchState.Running)
                {
                    logger.LogInformation("Resend batch {Batch} stopped: {State}", batchId, batch.State);
                    return new ResendRunResult(1, sent, failed, deferred, 0);
                }
                if (waitingProviders.Contains(item.ProviderId))
                {
                    continue;
                }
                var ip = await routing.PickAsync(item.ProviderId, cancellationToken);
                if (ip is null || !mails.TryGetValue(item.DeliveryId, out var mail))
                {
                    // Every IP is still excluded for this provider: its items wait for the next run.
                    waitingProviders.Add(item.ProviderId);
                    continue;
                }
                await ThrottleAsync(item.ProviderId, spacing, cancellationToken);

                // The ledger before the send: a crash from here on is seen at the next start.
                var now = clock.GetUtcNow().UtcDateTime;
                item.State = ResendItemState.Sending;
                item.Tries++;
                item.TriedAtUtc = now;
                await db.SaveChangesAsync(cancellationToken);

                var delay = now - mail.QueuedAtUtc;
                var notice = delay >= TimeSpan.FromMinutes(batch.NoticeAfterMinutes)
                    ? DelayNotice.Fill(template, mail.QueuedAtUtc, mail.Title, mail.Company) : null;
                var message = ReleaseMessage.BuildResend(mail.DeliveryId, item.MessageId, mail.FromAddress, mail.Company, mail.Email, mail.Title,
                    ReleaseMessage.StandInBody, notice);
                var results = await sender.SendMessageAsync(mail.DeliveryId, mail.Email, message, ip, cancellationToken);
                await recorder.RecordAsync(results, cancellationToken, TrafficClass.Resend);
                var result = results[0];

                // The ledger after the send.
                item.SourceIp = ip.Address;
                item.Reply = Truncate(result.ReplyText ?? result.Error);
                switch (result.Outcome)
                {
                    case AttemptOutcome.Accepted:
                        item.State = ResendItemState.Sent;
                        item.SentAtUtc = result.AttemptedAtUtc;
                        sent++;
                        break;
                    case AttemptOutcome.Rejected:
                        item.State = ResendItemState.Failed;
                        failed++;
                        break;
                    default:
                        item.State = item.Tries >= options.MaxTries ? ResendItemState.Failed : ResendItemState.Pending;
                        if (item.State == ResendItemState.Failed)
                        {
                            failed++;
                        }
                        else
                        {
                            deferred++;
                        }
                        break;
                }
                await db.SaveChangesAsync(cancellationToken);
                await MarkLedgerAsync(db, item, cancellationToken);
            }
        }

        var open = await db.ResendItems.CountAsync(i => i.BatchId == batchId && (i.State == ResendItemState.Pending || i.State == ResendItemState.Sending), cancellationToken);
        await db.Entry(batch).ReloadAsync(cancellationToken);
        if (open == 0 && batch.State == ResendBatchState.Running)
        {
            var counts = await db.ResendItems.Where(i => i.BatchId == batchId).GroupBy(i => i.State).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
            batch.State = ResendBatchState.Completed;
            batch.FinishedAtUtc = clock.GetUtcNow().UtcDateTime;
            batch.Outcome = string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Count} {c.Key.ToString().ToLowerInvariant()}"));
            await db.SaveChangesAsync(cancellationToken);
        }
        else if (waitingProviders.Count > 0)
        {
            batch.Outcome = "waiting for an eligible IP: " + string.Join(", ", waitingProviders.Order());
            await db.SaveChangesAsync(cancellationToken);
        }
        return new ResendRunResult(1, sent, failed, deferred, open);
    }

    /// <summary>Items a crash left "sending": done if an acceptance was recorded after their try, else sent again (same Message-ID).</summary>
    private static async Task SettleInterruptedAsync(PortalDbContext db, int batchId, CancellationToken cancellationToken)
    {
        var interrupted = await db.ResendItems.Where(i => i.BatchId == batchId && i.State == ResendItemState.Sending).ToListAsync(cancellationToken);
        foreach (var item in interrupted)
        {
            var accepted = await db.DeliveryAttempts.AsNoTracking()
                .Where(a => a.DeliveryId == item.DeliveryId && a.Outcome == AttemptOutcome.Accepted && a.AttemptedAtUtc >= item.TriedAtUtc)
                .OrderBy(a => a.AttemptedAtUtc).FirstOrDefaultAsync(cancellationToken);
            item.State = accepted is null ? ResendItemState.Pending : ResendItemState.Sent;
            item.SentAtUtc = accepted?.AttemptedAtUtc;
        }
        await db.SaveChangesAsync(cancellationToken);
        foreach (var item in interrupted.Where(i => i.State == ResendItemState.Sent))
        {
            await MarkLedgerAsync(db, item, cancellationToken);
        }
    }

    private static Task MarkLedgerAsync(PortalDbContext db, ResendItem item, CancellationToken cancellationToken) => item.State switch
    {
        ResendItemState.Sent => db.FailedDeliveries.Where(f => f.DeliveryId == item.DeliveryId)
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.ResendState, ResendState.Resent), cancellationToken),
        // A refused resend can go in a later batch (after the next block is lifted).
        ResendItemState.Failed => db.FailedDeliveries.Where(f => f.DeliveryId == item.DeliveryId)
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
