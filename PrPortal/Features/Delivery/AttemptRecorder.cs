using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;

namespace PrPortal.Features.Delivery;

/// <summary>Turns attempt results into DeliveryAttempt rows (and lines of the delivery log) and moves each delivery to its new status.</summary>
public sealed class AttemptRecorder(IDbContextFactory<PortalDbContext> factory, Bounces.ReplyClassifier classifier, Incidents.DetectionService detection, DeliveryLogWriter log)
{
    /// <summary>Stores the attempts tied to deliveries and returns every result with its meaning.</summary>
    public async Task<IReadOnlyList<(AttemptResult Result, Bounces.Classification? Meaning)>> RecordAsync(
        IReadOnlyList<AttemptResult> results, CancellationToken cancellationToken)
    {
        var classified = results.Select(r => (Result: r, Meaning: Classify(r))).ToList();
        await log.WriteAsync(results, cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var counts = new Dictionary<SendLog.RollupKey, int>();
        foreach (var (r, meaning) in classified)
        {
            var key = SendLog.RollupKey.For(r.AttemptedAtUtc, r.Route.Address, r.Provider, r.Outcome, meaning?.Reason, meaning?.IpBlock ?? false);
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        await SendLog.RollupWriter.AddAsync(db, counts, cancellationToken);
        await detection.ObserveAsync(classified.Select(x => new Incidents.Observation(x.Result.AttemptedAtUtc, x.Result.Route.Address,
            x.Result.Provider, x.Result.Outcome, x.Meaning?.IpBlock ?? false, x.Result.Recipient.Address, x.Result.ReplyText ?? x.Result.Error)), cancellationToken);
        var tied = classified.Where(r => r.Result.Recipient.DeliveryId is not null).ToList();
        if (tied.Count == 0)
        {
            return classified;
        }
        db.DeliveryAttempts.AddRange(tied.Select(x =>
        {
            var (r, meaning) = x;
            return new DeliveryAttempt
            {
                DeliveryId = r.Recipient.DeliveryId!.Value,
                AttemptedAtUtc = r.AttemptedAtUtc,
                SendingIpId = r.Route.SendingIpId,
                ProviderId = r.Provider,
                MxHost = r.MxHost,
                ReplyCode = r.ReplyCode,
                EnhancedStatus = r.EnhancedStatus,
                ReplyText = r.ReplyText,
                Error = r.Error,
                Outcome = r.Outcome,
                Reason = meaning?.Reason,
                IpBlock = meaning?.IpBlock ?? false,
                BlockList = meaning?.List,
            };
        }));
        await db.SaveChangesAsync(cancellationToken);

        foreach (var group in tied.GroupBy(r => StatusAfter(r.Result.Outcome)))
        {
            var ids = group.Select(r => r.Result.Recipient.DeliveryId!.Value).ToList();
            // A delivered mail stays delivered whatever a later attempt says.
            await db.Deliveries.Where(d => ids.Contains(d.Id) && d.Status != DeliveryStatus.Delivered)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, group.Key).SetProperty(d => d.NextAttemptAtUtc, (DateTime?)null), cancellationToken);
        }
        // Deferred mail waits for its next try by the retry schedule.
        var deferred = tied.Where(r => StatusAfter(r.Result.Outcome) == DeliveryStatus.Deferred)
            .GroupBy(r => r.Result.Recipient.DeliveryId!.Value).ToDictionary(g => g.Key, g => g.Max(r => r.Result.AttemptedAtUtc));
        if (deferred.Count > 0)
        {
            var ids = deferred.Keys.ToList();
            foreach (var delivery in await db.Deliveries.Where(d => ids.Contains(d.Id) && d.Status == DeliveryStatus.Deferred).ToListAsync(cancellationToken))
            {
                delivery.Deferrals++;
                delivery.NextAttemptAtUtc = deferred[delivery.Id] + RetrySchedule.Backoff(delivery.Deferrals);
            }
            await db.SaveChangesAsync(cancellationToken);
        }
        return classified;
    }

    /// <summary>Every refusal or deferral gets its meaning; an acceptance needs none, an error has no reply to read.</summary>
    private Bounces.Classification? Classify(AttemptResult r) => r switch
    {
        { Outcome: AttemptOutcome.Accepted } => null,
        { ReplyText: { } reply } => classifier.ClassifyReply(reply),
        { Error: { } error } => classifier.Classify(null, null, error),
        _ => null,
    };

    public static DeliveryStatus StatusAfter(AttemptOutcome outcome) => outcome switch
    {
        AttemptOutcome.Accepted => DeliveryStatus.Delivered,
        AttemptOutcome.Rejected => DeliveryStatus.Failed,
        _ => DeliveryStatus.Deferred,
    };
}
