using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using PrPortal.Components.Shared;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Bounces;
using PrPortal.Features.Delivery;
using PrPortal.Features.Providers;

namespace PrPortal.Features.SendLog;

public sealed record IngestResult(long Lines, long Attempts, long RejectedLines, double Seconds, long TiedToDeliveries);

/// <summary>Section "SendLog".</summary>
public sealed record SendLogOptions
{
    /// <summary>Finds the delivery in the envelope sender (VERP) or the Message-ID; group "delivery" is its id.</summary>
    public string DeliveryPattern { get; init; } = @"(?:bounce\+d|^<?d)(?<delivery>\d+)[.@]";
    public int BatchSize { get; init; } = 5000;
    /// <summary>Live log files to follow across rotation.</summary>
    public List<FollowedLog> Follow { get; init; } = [];
}

/// <summary>
/// Streams a send log into attempts: every record is classified and counted in the hourly rollups;
/// records that name a known delivery and sending IP also become DeliveryAttempt rows. Rejected lines
/// are counted and kept with their reason; a file read before is read on from where it stopped.
/// </summary>
public sealed class SendLogIngestor(
    IDbContextFactory<PortalDbContext> factory,
    ReplyClassifier classifier,
    SendLogOptions options,
    Incidents.DetectionService detection,
    TimeProvider clock,
    ILogger<SendLogIngestor> logger)
{
    private const int MaxStoredRejections = 1000;
    private readonly Regex _delivery = new(options.DeliveryPattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);

    public static readonly string[] Formats = ["postfix", "pmta", "jsonl"];

    public async Task<IngestResult> IngestFileAsync(string format, string path, IReadOnlyDictionary<string, string>? ipMap, int? year, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        await using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan);
        var source = $"{format}:{full}:{await IdentityAsync(stream, cancellationToken)}";
        stream.Position = 0;
        return await IngestAsync(format, stream, source, ipMap, year ?? File.GetLastWriteTimeUtc(full).Year, resume: true, cancellationToken);
    }

    public async Task<IngestResult> IngestAsync(string format, Stream stream, string source, IReadOnlyDictionary<string, string>? ipMap, int year, bool resume, CancellationToken cancellationToken)
    {
        var parser = Parser(format, await TransportsAsync(ipMap, cancellationToken), year);
        return await IngestAsync(parser, stream, source, resume, cancellationToken);
    }

    /// <summary>The transport (syslog name, VMTA) → sending IP map: the given one, else the pool's own.</summary>
    public async Task<IReadOnlyDictionary<string, string>> TransportsAsync(IReadOnlyDictionary<string, string>? ipMap, CancellationToken cancellationToken)
    {
        if (ipMap is not null)
        {
            return ipMap;
        }
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.SendingIps.AsNoTracking().Where(i => i.Transport != null).ToDictionaryAsync(i => i.Transport!, i => i.Address, cancellationToken);
    }

    /// <summary>Ingests with a parser the caller keeps (a follower feeds one parser piece by piece).</summary>
    public async Task<IngestResult> IngestAsync(ISendLogParser parser, Stream stream, string source, bool resume, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var ipIds = await db.SendingIps.AsNoTracking().ToDictionaryAsync(i => i.Address, i => i.Id, cancellationToken);
        var linesBefore = parser.LinesRead;

        var checkpoint = resume ? await db.IngestCheckpoints.FirstOrDefaultAsync(c => c.Source == source, cancellationToken) : null;
        var skipThrough = checkpoint?.LinesDone ?? 0;

        using var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: false), detectEncodingFromByteOrderMarks: true, 1 << 16);
        long lines = 0, attempts = 0, rejected = 0, tied = 0;
        var recent = new HashSet<(DateTime, string, string?, AttemptOutcome, string?)>();
        var recentOrder = new Queue<(DateTime, string, string?, AttemptOutcome, string?)>();
        var batch = new List<(SendLogRecord Record, Classification? Meaning, string Provider, long? DeliveryId)>(options.BatchSize);
        var rejections = new List<IngestRejection>();

        foreach (var outcome in parser.Parse(reader))
        {
            cancellationToken.ThrowIfCancellationRequested();
            lines = Math.Max(lines, outcome.LineNumber);
            if (outcome.LineNumber <= skipThrough)
            {
                continue;
            }
            if (outcome.Rejected is { } bad)
            {
                rejected++;
                Keep(rejections, source, bad);
                continue;
            }
            var record = outcome.Record!;
            // The same attempt twice (a duplicated line, an overlapping shipment) counts once.
            var fingerprint = (record.AtUtc, record.Recipient, record.QueueId, record.Outcome, record.ReplyText ?? record.Error);
            if (!recent.Add(fingerprint))
            {
                rejected++;
                Keep(rejections, source, RejectedLine.Of(outcome.LineNumber, "duplicate of an earlier line", record.Recipient));
                continue;
            }
            recentOrder.Enqueue(fingerprint);
            if (recentOrder.Count > 100_000)
            {
                recent.Remove(recentOrder.Dequeue());
            }
            attempts++;
            batch.Add((record, Meaning(record), Provider(record), DeliveryIdOf(record)));
            if (batch.Count >= options.BatchSize)
            {
                tied += await FlushAsync(db, batch, ipIds, cancellationToken);
            }
        }
        tied += await FlushAsync(db, batch, ipIds, cancellationToken);
        lines = Math.Max(lines, parser.LinesRead) - linesBefore;

        if (rejections.Count > 0)
        {
            db.IngestRejections.AddRange(rejections);
        }
        if (resume)
        {
            checkpoint ??= db.IngestCheckpoints.Add(new IngestCheckpoint { Source = source }).Entity;
            checkpoint.LinesDone = Math.Max(checkpoint.LinesDone, lines);
            checkpoint.UpdatedAtUtc = clock.GetUtcNow().UtcDateTime;
        }
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Ingested {Source}: {Lines} lines, {Attempts} attempts, {Rejected} rejected", source, lines, attempts, rejected);
        return new IngestResult(lines, attempts, rejected, Math.Round(watch.Elapsed.TotalSeconds, 2), tied);
    }

    public static ISendLogParser Parser(string format, IReadOnlyDictionary<string, string> transports, int year) => format switch
    {
        "postfix" => new PostfixLogParser(transports, year, PortalTime.Tokyo),
        "pmta" => new PowerMtaCsvParser(),
        "jsonl" => new JsonLinesLogParser(),
        _ => throw new ArgumentException($"Unknown format '{format}': use {string.Join(", ", Formats)}."),
    };

    private Classification? Meaning(SendLogRecord record) => record switch
    {
        { Outcome: AttemptOutcome.Accepted } => null,
        { ReplyText: { } reply } => classifier.ClassifyReply(reply),
        { Error: { } error } => classifier.Classify(record.EnhancedStatus, null, error),
        _ => null,
    };

    private static string Provider(SendLogRecord record)
    {
        var domain = record.Recipient[(record.Recipient.LastIndexOf('@') + 1)..];
        return ProviderClassifier.Known(domain)
            ?? (record.RelayHost is { Length: > 0 } relay ? ProviderClassifier.FromMx([relay]) : ProviderClassifier.Unknown);
    }

    private long? DeliveryIdOf(SendLogRecord record)
    {
        foreach (var value in new[] { record.EnvelopeFrom, record.MessageId })
        {
            if (value is not null && _delivery.Match(value) is { Success: true } m && long.TryParse(m.Groups["delivery"].Value, out var id))
            {
                return id;
            }
        }
        return null;
    }

    private async Task<long> FlushAsync(PortalDbContext db,
        List<(SendLogRecord Record, Classification? Meaning, string Provider, long? DeliveryId)> batch,
        IReadOnlyDictionary<string, int> ipIds, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return 0;
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var counts = new Dictionary<RollupKey, int>();
        foreach (var (record, meaning, provider, _) in batch)
        {
            var key = RollupKey.For(record.AtUtc, record.SourceIp ?? "unknown", provider, record.Outcome, meaning?.Reason, meaning?.IpBlock ?? false);
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        await RollupWriter.AddAsync(db, counts, cancellationToken);

        // Attempts tied to a delivery we sent, from an IP of our pool, are stored one by one.
        var wanted = batch.Where(b => b.DeliveryId is not null && b.Record.SourceIp is not null && ipIds.ContainsKey(b.Record.SourceIp)).ToList();
        var ids = wanted.Select(b => b.DeliveryId!.Value).Distinct().ToList();
        var existing = ids.Count == 0 ? [] : (await db.Deliveries.Where(d => ids.Contains(d.Id)).Select(d => d.Id).ToListAsync(cancellationToken)).ToHashSet();
        var rows = wanted.Where(b => existing.Contains(b.DeliveryId!.Value)).ToList();
        await InsertAttemptsAsync(db, rows, ipIds, cancellationToken);
        foreach (var group in rows.GroupBy(r => AttemptRecorder.StatusAfter(r.Record.Outcome)))
        {
            var groupIds = group.Select(r => r.DeliveryId!.Value).ToList();
            await db.Deliveries.Where(d => groupIds.Contains(d.Id) && d.Status != DeliveryStatus.Delivered)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, group.Key), cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        // Detection writes incidents on its own connection: only after this batch's write lock is released.
        await detection.ObserveAsync(batch.Where(b => b.Record.SourceIp is not null).Select(b => new Incidents.Observation(b.Record.AtUtc,
            b.Record.SourceIp!, b.Provider, b.Record.Outcome, b.Meaning?.IpBlock ?? false, b.Record.Recipient, b.Record.ReplyText ?? b.Record.Error)).ToList(), cancellationToken);
        batch.Clear();
        return rows.Count;
    }

    // The bulk path: one prepared INSERT reused for every row of the batch, inside the batch's transaction.
    private static async Task InsertAttemptsAsync(PortalDbContext db,
        List<(SendLogRecord Record, Classification? Meaning, string Provider, long? DeliveryId)> rows,
        IReadOnlyDictionary<string, int> ipIds, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }
        var connection = (Microsoft.Data.Sqlite.SqliteConnection)db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.Transaction = (Microsoft.Data.Sqlite.SqliteTransaction?)Microsoft.EntityFrameworkCore.Storage.DbContextTransactionExtensions.GetDbTransaction(db.Database.CurrentTransaction!);
        command.CommandText = """
            INSERT INTO DeliveryAttempts (DeliveryId, AttemptedAtUtc, SendingIpId, ProviderId, MxHost, ReplyCode, EnhancedStatus, ReplyText, Error, Reason, IpBlock, BlockList, Outcome)
            VALUES ($delivery, $at, $ip, $provider, $mx, $code, $status, $text, $error, $reason, $ipblock, $list, $outcome)
            """;
        const Microsoft.Data.Sqlite.SqliteType integer = Microsoft.Data.Sqlite.SqliteType.Integer, text = Microsoft.Data.Sqlite.SqliteType.Text;
        var p = new (string Name, Microsoft.Data.Sqlite.SqliteType Type)[]
            {
                ("$delivery", integer), ("$at", text), ("$ip", integer), ("$provider", text), ("$mx", text), ("$code", integer), ("$status", text),
                ("$text", text), ("$error", text), ("$reason", text), ("$ipblock", integer), ("$list", text), ("$outcome", integer),
            }
            .Select(x => command.Parameters.Add(x.Name, x.Type)).ToArray();
        command.Prepare();
        foreach (var (record, meaning, provider, deliveryId) in rows)
        {
            object Db(object? value) => value ?? DBNull.Value;
            p[0].Value = deliveryId!.Value;
            p[1].Value = record.AtUtc;
            p[2].Value = ipIds[record.SourceIp!];
            p[3].Value = provider;
            p[4].Value = Db(record.RelayHost);
            p[5].Value = Db(record.ReplyCode);
            p[6].Value = Db(record.EnhancedStatus);
            p[7].Value = Db(record.ReplyText);
            p[8].Value = Db(record.Error);
            p[9].Value = Db(meaning?.Reason);
            p[10].Value = meaning?.IpBlock == true ? 1 : 0;
            p[11].Value = Db(meaning?.List);
            p[12].Value = (int)record.Outcome;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private void Keep(List<IngestRejection> rejections, string source, RejectedLine bad)
    {
        if (rejections.Count < MaxStoredRejections)
        {
            rejections.Add(new IngestRejection
            {
                Source = source.Length > 600 ? source[..600] : source,
                LineNumber = bad.LineNumber,
                Reason = bad.Reason.Length > 300 ? bad.Reason[..300] : bad.Reason,
                Excerpt = bad.Excerpt.Length > 300 ? bad.Excerpt[..300] : bad.Excerpt,
                AtUtc = clock.GetUtcNow().UtcDateTime,
            });
        }
    }

    /// <summary>A file is the same file while its first 4 KiB are the same (rotation writes a new one).</summary>
    private static async Task<string> IdentityAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new byte[4096];
        var read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        return Convert.ToHexString(SHA256.HashData(head.AsSpan(0, read)))[..16];
    }
}
