using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Bounces;
using PrPortal.Features.Incidents;
using PrPortal.Features.Providers;

namespace PrPortal.Pipeline;

/// <summary>
/// The one path every attempt takes, whatever reported it (the engine and everything that sends through
/// it, send logs, the ingest API, the bounce mailbox, DSN files, the replay): classify → de-duplicate by
/// key → store against its delivery when it is trusted → delivery status and failure ledger → hourly
/// rollups → the detector. One batch is one transaction; what a caller must commit with the batch (a
/// file's offset) is written inside it, so a kill between batches loses nothing and repeats nothing.
/// </summary>
public sealed class AttemptPipeline(
    IDbContextFactory<PortalDbContext> factory,
    ReplyClassifier classifier,
    DetectionService detection,
    TimeProvider clock)
{
    /// <summary>Runs one batch. <paramref name="commitWith"/> writes what belongs to the batch, inside its transaction.</summary>
    public async Task<PipelineResult> ProcessAsync(IReadOnlyList<AttemptRecord> records, Func<PortalDbContext, CancellationToken, Task>? commitWith,
        CancellationToken cancellationToken)
    {
        var meanings = records.Select(Classify).ToArray();
        var providers = records.Select(ProviderOf).ToArray();
        var fates = new RecordFate[records.Count];
        var ips = new string?[records.Count];
        var classes = new TrafficClass[records.Count];

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            var keyed = Enumerable.Range(0, records.Count).Where(i => records[i].Key is not null).ToList();
            var fresh = await AttemptStore.InsertNewKeysAsync(db, keyed.Select(i => (AttemptRecord.Hash(records[i].Key!), records[i].AtUtc)).ToList(), cancellationToken);
            for (var k = 0; k < keyed.Count; k++)
            {
                if (!fresh[k])
                {
                    fates[keyed[k]] = RecordFate.Duplicate;
                }
            }

            var pool = await db.SendingIps.AsNoTracking().Select(i => new { i.Id, i.Address }).ToListAsync(cancellationToken);
            var ipIds = pool.ToDictionary(i => i.Address, i => i.Id);
            var ipAddresses = pool.ToDictionary(i => i.Id, i => i.Address);
            var naming = records.Where((r, i) => fates[i] != RecordFate.Duplicate && r.DeliveryId is not null).ToList();
            // The acceptance matters only to refusals, the last attempt's IP only to records that name none.
            var deliveries = await DeliveriesAsync(db, naming.Select(r => r.DeliveryId!.Value).Distinct().ToList(),
                naming.Where(r => r.Outcome != AttemptOutcome.Accepted).Select(r => r.DeliveryId!.Value).ToHashSet(),
                naming.Where(r => r.SourceIp is null).Select(r => r.DeliveryId!.Value).ToHashSet(), cancellationToken);

            var rows = new List<(int Index, DeliveryAttempt Row, DeliveryFacts Delivery)>();
            var counts = new Dictionary<RollupKey, int>();
            for (var i = 0; i < records.Count; i++)
            {
                if (fates[i] == RecordFate.Duplicate)
                {
                    continue;
                }
                var r = records[i];
                var delivery = r.DeliveryId is { } id && deliveries.TryGetValue(id, out var found)
                    // A record speaks for a delivery only when it names the same recipient.
                    && string.Equals(found.Recipient, r.Recipient, StringComparison.OrdinalIgnoreCase) ? found : null;
                classes[i] = r.Class ?? delivery?.Class ?? TrafficClass.Customer;
                var ip = r.SourceIp;
                if (ip is null && delivery?.LastAttempt is { } last)
                {
                    // A bounce speaks for the IP its delivery was last sent from.
                    ip = ipAddresses.GetValueOrDefault(last.SendingIpId);
                    providers[i] = r.Provider ?? last.ProviderId;
                }
                // Else the IP the bounce names, when it is one of ours.
                ip ??= r.MentionedIp is { } named && ipIds.ContainsKey(named) ? named : null;
                ips[i] = ip;
                if (ip is null)
                {
                    fates[i] = RecordFate.Unattributed;
                    continue;
                }
                var key = RollupKey.For(r.AtUtc, ip, providers[i], r.Outcome, meanings[i]?.Reason, meanings[i]?.IpBlock ?? false, classes[i]);
                counts[key] = counts.GetValueOrDefault(key) + 1;
                if (delivery is null || !ipIds.TryGetValue(ip, out var ipId))
                {
                    fates[i] = RecordFate.Counted;
                    continue;
                }
                fates[i] = RecordFate.Stored;
                rows.Add((i, new DeliveryAttempt
                {
                    DeliveryId = delivery.Id,
                    AttemptedAtUtc = r.AtUtc,
                    SendingIpId = ipId,
                    ProviderId = providers[i],
                    MxHost = Trim(r.MxHost, 253),
                    ReplyCode = r.ReplyCode,
                    EnhancedStatus = Trim(r.EnhancedStatus, 16),
                    ReplyText = Trim(r.ReplyText, 4000),
                    Error = Trim(r.Error, 1000),
                    Outcome = r.Outcome,
                    Reason = meanings[i]?.Reason,
                    IpBlock = meanings[i]?.IpBlock ?? false,
                    BlockList = meanings[i]?.List,
                    TrafficClass = classes[i],
                    Stale = IsStale(r, delivery),
                }, delivery));
            }

            await AttemptStore.InsertAttemptsAsync(db, rows.Select(x => x.Row).ToList(), cancellationToken);
            await ApplyToDeliveriesAsync(db, rows, records, cancellationToken);
            await RollupWriter.AddAsync(db, counts, cancellationToken);
            if (commitWith is not null)
            {
                await commitWith(db, cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
        }

        // The detector writes incidents on its own connection: only after this batch's write lock is released.
        var observations = Enumerable.Range(0, records.Count)
            .Where(i => fates[i] is RecordFate.Stored or RecordFate.Counted)
            .Select(i => new Observation(records[i].AtUtc, ips[i]!, providers[i], records[i].Outcome, meanings[i]?.IpBlock ?? false,
                records[i].Recipient, records[i].ReplyText ?? records[i].Error, IncidentClassOf(classes[i])))
            .ToList();
        if (observations.Count > 0)
        {
            await detection.ObserveAsync(observations, cancellationToken);
        }
        return new PipelineResult(Enumerable.Range(0, records.Count)
            .Select(i => new ProcessedRecord(records[i], meanings[i], providers[i], ips[i], classes[i], fates[i])).ToList());
    }

    public static IncidentClass IncidentClassOf(TrafficClass trafficClass) => trafficClass switch
    {
        TrafficClass.Drill => IncidentClass.Drill,
        TrafficClass.Test => IncidentClass.Test,
        _ => IncidentClass.Live,
    };

    /// <summary>Only customer mail and resends are damage we repair.</summary>
    public static bool CountsAsDamage(TrafficClass trafficClass) => trafficClass is TrafficClass.Customer or TrafficClass.Resend;

    /// <summary>
    /// A refusal that comes after a newer acceptance changes nothing: a log's refusal never reopens a
    /// delivered mail; a bounce does when it is newer than the acceptance (the relay or the MX accepted,
    /// then could not deliver). See docs/decisions/007.
    /// </summary>
    private static bool IsStale(AttemptRecord r, DeliveryFacts delivery)
    {
        if (r.Outcome == AttemptOutcome.Accepted || delivery.AcceptedAtUtc is not { } accepted)
        {
            return false;
        }
        // A bounce's Date has whole seconds: one written in the second of the acceptance is not older than it.
        return r.Origin == RecordOrigin.Bounce ? r.AtUtc < accepted.AddTicks(-(accepted.Ticks % TimeSpan.TicksPerSecond)) : true;
    }

    private async Task ApplyToDeliveriesAsync(PortalDbContext db, List<(int Index, DeliveryAttempt Row, DeliveryFacts Delivery)> rows,
        IReadOnlyList<AttemptRecord> records, CancellationToken cancellationToken)
    {
        // Per delivery, the newest attempt that counts decides its status; deliveries that end the same
        // way are updated together (a file's batch touches thousands).
        var settled = new Dictionary<DeliveryStatus, List<long>>();
        var reopened = new List<(long Id, DeliveryAttempt Row)>();
        foreach (var (index, row, delivery) in rows.Where(x => !x.Row.Stale).GroupBy(x => x.Row.DeliveryId).Select(g => g.MaxBy(x => x.Row.AttemptedAtUtc)))
        {
            var record = records[index];
            var status = StatusAfter(row.Outcome);
            var reopen = record.Origin == RecordOrigin.Bounce && row.Outcome == AttemptOutcome.Rejected;
            if (delivery.Status == DeliveryStatus.Delivered && !reopen && status != DeliveryStatus.Delivered)
            {
                continue;
            }
            if (record.Origin == RecordOrigin.Engine && status == DeliveryStatus.Deferred)
            {
                // Our own deferred mail waits for its next try by the retry schedule.
                var deferrals = delivery.Deferrals + 1;
                await db.Deliveries.Where(d => d.Id == delivery.Id).ExecuteUpdateAsync(s => s
                    .SetProperty(d => d.Status, status).SetProperty(d => d.Deferrals, deferrals)
                    .SetProperty(d => d.NextAttemptAtUtc, row.AttemptedAtUtc + Features.Delivery.RetrySchedule.Backoff(deferrals)), cancellationToken);
                continue;
            }
            if (!settled.TryGetValue(status, out var ids))
            {
                settled[status] = ids = [];
            }
            ids.Add(delivery.Id);
            if (reopen && delivery.AcceptedAtUtc is not null && CountsAsDamage(row.TrafficClass))
            {
                reopened.Add((delivery.Id, row));
            }
        }
        foreach (var (status, ids) in settled)
        {
            foreach (var chunk in ids.Chunk(500))
            {
                await db.Deliveries.Where(d => chunk.Contains(d.Id)).ExecuteUpdateAsync(s => s
                    .SetProperty(d => d.Status, status).SetProperty(d => d.NextAttemptAtUtc, (DateTime?)null), cancellationToken);
            }
        }
        foreach (var (id, row) in reopened)
        {
            // Accepted, then bounced: the ledger's entry (if an earlier refusal made one) is open again.
            await db.FailedDeliveries.Where(f => f.DeliveryId == id).ExecuteUpdateAsync(s => s
                .SetProperty(f => f.DeliveredAtUtc, (DateTime?)null).SetProperty(f => f.FailedAtUtc, row.AttemptedAtUtc)
                .SetProperty(f => f.Reason, row.Reason).SetProperty(f => f.IpBlock, row.IpBlock), cancellationToken);
        }
    }

    public static DeliveryStatus StatusAfter(AttemptOutcome outcome) => outcome switch
    {
        AttemptOutcome.Accepted => DeliveryStatus.Delivered,
        AttemptOutcome.Rejected => DeliveryStatus.Failed,
        _ => DeliveryStatus.Deferred,
    };

    private sealed record LastAttempt(long DeliveryId, int SendingIpId, string ProviderId);

    private sealed record DeliveryFacts(long Id, string Recipient, DeliveryStatus Status, TrafficClass Class, int Deferrals,
        DateTime? AcceptedAtUtc, LastAttempt? LastAttempt);

    private static async Task<Dictionary<long, DeliveryFacts>> DeliveriesAsync(PortalDbContext db, List<long> ids, HashSet<long> needAcceptance,
        HashSet<long> needLastAttempt, CancellationToken cancellationToken)
    {
        var facts = new Dictionary<long, DeliveryFacts>();
        var accepted = new Dictionary<long, DateTime>();
        var last = new Dictionary<long, LastAttempt>();
        foreach (var chunk in needAcceptance.Chunk(500))
        {
            foreach (var row in await db.DeliveryAttempts.AsNoTracking().Where(a => chunk.Contains(a.DeliveryId) && a.Outcome == AttemptOutcome.Accepted)
                .GroupBy(a => a.DeliveryId).Select(g => new { g.Key, At = g.Max(a => a.AttemptedAtUtc) }).ToListAsync(cancellationToken))
            {
                accepted[row.Key] = row.At;
            }
        }
        foreach (var chunk in needLastAttempt.Chunk(500))
        {
            foreach (var row in await db.DeliveryAttempts.AsNoTracking()
                .Where(a => chunk.Contains(a.DeliveryId) && a.Id == db.DeliveryAttempts.Where(x => x.DeliveryId == a.DeliveryId).Max(x => x.Id))
                .Select(a => new LastAttempt(a.DeliveryId, a.SendingIpId, a.ProviderId)).ToListAsync(cancellationToken))
            {
                last[row.DeliveryId] = row;
            }
        }
        foreach (var chunk in ids.Chunk(500))
        {
            var rows = await db.Deliveries.AsNoTracking().Where(d => chunk.Contains(d.Id))
                .Select(d => new { d.Id, d.Recipient!.Email, d.Status, d.TrafficClass, d.Deferrals }).ToListAsync(cancellationToken);
            foreach (var d in rows)
            {
                facts[d.Id] = new DeliveryFacts(d.Id, d.Email, d.Status, d.TrafficClass, d.Deferrals,
                    accepted.TryGetValue(d.Id, out var at) ? at : null, last.GetValueOrDefault(d.Id));
            }
        }
        return facts;
    }

    /// <summary>Every refusal or deferral gets its meaning; an acceptance needs none; an error has no reply to read.</summary>
    private Classification? Classify(AttemptRecord r) => r switch
    {
        { Meaning: { } given } => given,
        { Outcome: AttemptOutcome.Accepted } => null,
        { ReplyText: { } reply } => classifier.ClassifyReply(reply),
        { Error: { } error } => classifier.Classify(r.EnhancedStatus, null, error),
        _ => null,
    };

    private static string ProviderOf(AttemptRecord r)
    {
        if (r.Provider is { } known)
        {
            return known;
        }
        var domain = r.Recipient[(r.Recipient.LastIndexOf('@') + 1)..];
        return ProviderClassifier.Known(domain)
            ?? (r.MxHost is { Length: > 0 } mx ? ProviderClassifier.FromMx([mx]) : ProviderClassifier.Unknown);
    }

    private static string? Trim(string? value, int max) => value is null || value.Length <= max ? value : value[..max];

    /// <summary>Deletes record keys older than the retention: a file older than that read again would count again.</summary>
    public async Task<int> PruneKeysAsync(TimeSpan retention, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var before = clock.GetUtcNow().UtcDateTime - retention;
        return await db.RecordKeys.Where(k => k.AtUtc < before).ExecuteDeleteAsync(cancellationToken);
    }
}
