using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using PrPortal.Components.Shared;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Infrastructure.Files;
using PrPortal.Pipeline;

namespace PrPortal.Features.SendLog;

/// <summary>
/// What one read of a log came to. Every line is a record, a known line that is not an attempt, or
/// rejected: <c>Lines = Records + Notes + RejectedLines</c>. <see cref="Attempts"/> are newly stored
/// against deliveries; <see cref="Duplicates"/> are records seen before.
/// </summary>
public sealed record IngestResult(long Lines, long Records, long Attempts, long Duplicates, long RejectedLines, long Unattributed, long Notes, double Seconds)
{
    public static readonly IngestResult Empty = new(0, 0, 0, 0, 0, 0, 0, 0);

    public IngestResult Add(IngestResult other) => new(Lines + other.Lines, Records + other.Records, Attempts + other.Attempts,
        Duplicates + other.Duplicates, RejectedLines + other.RejectedLines, Unattributed + other.Unattributed, Notes + other.Notes,
        Math.Round(Seconds + other.Seconds, 2));

    /// <summary>The verb's and the API's JSON.</summary>
    public object ToJson() => new
    {
        lines = Lines,
        records = Records,
        attempts = Attempts,
        duplicates = Duplicates,
        rejected_lines = RejectedLines,
        unattributed = Unattributed,
        seconds = Math.Round(Seconds, 2),
    };
}

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
/// Reads send logs line by line into the attempt pipeline, in batches. A file is known by its identity
/// (device and inode) and read on from its committed offset, so the same file again, renamed or rotated,
/// adds nothing; a copy or a re-post is read again and every record is a duplicate by its key. Rejected
/// lines are counted and the first of them kept with their reason.
/// </summary>
public sealed class SendLogIngestor(
    IDbContextFactory<PortalDbContext> factory,
    AttemptPipeline pipeline,
    SendLogOptions options,
    TimeProvider clock,
    ILogger<SendLogIngestor> logger)
{
    private const int MaxStoredRejections = 1000;
    /// <summary>How much of a file before its offset is read again for context (a Postfix message's earlier lines).</summary>
    private const int ContextBytes = 1 << 20;
    private readonly DeliveryIds _deliveryIds = new(options.DeliveryPattern);

    public static readonly string[] Formats = ["postfix", "pmta", "jsonl"];

    /// <summary>Reads a whole file, from where an earlier read of the same file stopped.</summary>
    public async Task<IngestResult> IngestFileAsync(string format, string path, IReadOnlyDictionary<string, string>? ipMap, int? year,
        CancellationToken cancellationToken, string? source = null)
    {
        var full = Path.GetFullPath(path);
        await using var stream = Open(full);
        var written = File.GetLastWriteTimeUtc(full);
        var parser = Parser(format, await TransportsAsync(ipMap, cancellationToken), year ?? written.Year, year is null ? written : null);
        return await IngestFileAsync(parser, format, stream, full, source ?? format, untilEnd: true, withContext: true, cancellationToken);
    }

    public static FileStream Open(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);

    /// <summary>
    /// Reads an open file from its checkpoint. <paramref name="untilEnd"/>: a finished file's last line
    /// counts without its newline; a growing file's waits for it. <paramref name="withContext"/>: a new
    /// parser first reads the lines before the checkpoint again, to join messages begun there.
    /// </summary>
    public async Task<IngestResult> IngestFileAsync(ISendLogParser parser, string format, FileStream stream, string path, string source, bool untilEnd,
        bool withContext, CancellationToken cancellationToken)
    {
        var fileKey = FileIdentity.Of(stream.SafeFileHandle, path);
        FileCheckpoint? checkpoint;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            checkpoint = await db.FileCheckpoints.AsNoTracking().FirstOrDefaultAsync(c => c.FileKey == fileKey, cancellationToken);
        }
        long offset = 0, lineNumber = 0;
        if (checkpoint is not null && checkpoint.Offset <= stream.Length && await TailHashAsync(stream, checkpoint.Offset, cancellationToken) == checkpoint.TailHash)
        {
            offset = checkpoint.Offset;
            lineNumber = checkpoint.Lines;
        }
        else if (checkpoint is not null)
        {
            logger.LogWarning("{Path} no longer holds what was read to {Offset} bytes: it was truncated or rewritten, reading it from its start", path, checkpoint.Offset);
        }
        if (offset > 0 && withContext && format == "postfix")
        {
            await ReadContextAsync(parser, stream, offset, cancellationToken);
        }
        stream.Position = offset;
        var reader = new LineReader(stream, offset);
        var result = await RunAsync(parser, reader.ReadAsync(untilEnd, cancellationToken), source, lineNumber,
            (db, end, lines, ct) => SaveCheckpointAsync(db, stream, fileKey, path, end, lines, ct), cancellationToken);
        return result;
    }

    /// <summary>
    /// Marks a file read up to its current end without reading it: a log followed for the first time, when
    /// only new lines count. A path followed before is not skipped (a file that replaced it while the portal
    /// was down is new, and read from its start).
    /// </summary>
    public async Task SkipToEndAsync(FileStream stream, string path, CancellationToken cancellationToken)
    {
        var fileKey = FileIdentity.Of(stream.SafeFileHandle, path);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var known = await db.FileCheckpoints.AsNoTracking().FirstOrDefaultAsync(c => c.FileKey == fileKey, cancellationToken);
        if (known is not null && known.Offset <= stream.Length && await TailHashAsync(stream, known.Offset, cancellationToken) == known.TailHash)
        {
            return; // read before: on from there
        }
        if (await db.FileCheckpoints.AnyAsync(c => c.Path == path && c.FileKey != fileKey, cancellationToken))
        {
            return; // a file that replaced one we followed: read from its start
        }
        // (A checkpoint of a deleted file whose inode this one reuses is overwritten.)
        // Up to the last complete line (looked for in the last 64 KB): a line being written is read when it ends.
        var end = stream.Length;
        var window = (int)Math.Min(end, LineReader.DefaultMaxLineBytes);
        var buffer = new byte[window];
        stream.Position = end - window;
        await stream.ReadExactlyAsync(buffer, cancellationToken);
        var newline = Array.LastIndexOf(buffer, (byte)'\n');
        if (newline >= 0)
        {
            end = end - window + newline + 1;
        }
        await SaveCheckpointAsync(db, stream, fileKey, path, end, 0, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>A hash of the bytes just before the offset: a file rewritten in place under the same inode no longer matches.</summary>
    private static async Task<string> TailHashAsync(FileStream stream, long offset, CancellationToken cancellationToken)
    {
        var length = (int)Math.Min(256, offset);
        var tail = new byte[length];
        stream.Position = offset - length;
        await stream.ReadExactlyAsync(tail, cancellationToken);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(tail))[..16];
    }

    /// <summary>Reads a stream that has no identity (an API body): its records are known by their keys only.</summary>
    public async Task<IngestResult> IngestStreamAsync(string format, Stream stream, string source, int year, CancellationToken cancellationToken)
    {
        var parser = Parser(format, await TransportsAsync(null, cancellationToken), year);
        var reader = new LineReader(stream, 0);
        return await RunAsync(parser, reader.ReadAsync(true, cancellationToken), source, 0, null, cancellationToken);
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

    /// <param name="latestUtc">With no year given: the latest time the log can hold (now, or the file's last write).</param>
    public static ISendLogParser Parser(string format, IReadOnlyDictionary<string, string> transports, int year, DateTime? latestUtc = null) => format switch
    {
        "postfix" => new PostfixLogParser(transports, year, PortalTime.Tokyo, latestUtc),
        "pmta" => new PowerMtaCsvParser(),
        "jsonl" => new JsonLinesLogParser(),
        _ => throw new ArgumentException($"Unknown format '{format}': use {string.Join(", ", Formats)}."),
    };

    private delegate Task Checkpoint(PortalDbContext db, long endOffset, long lines, CancellationToken cancellationToken);

    private async Task<IngestResult> RunAsync(ISendLogParser parser, IAsyncEnumerable<FileLine> lines, string source, long lineNumber,
        Checkpoint? checkpoint, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        long read = 0, records = 0, attempts = 0, duplicates = 0, rejected = 0, unattributed = 0, notes = 0, storedRejections = 0;
        var batch = new List<AttemptRecord>(options.BatchSize);
        var rejections = new List<IngestRejection>();
        long endOffset = 0;

        async Task FlushAsync()
        {
            if (batch.Count == 0 && rejections.Count == 0 && checkpoint is null)
            {
                return;
            }
            var (end, number) = (endOffset, lineNumber);
            var keep = rejections.ToList();
            var result = await pipeline.ProcessAsync(batch, async (db, ct) =>
            {
                db.IngestRejections.AddRange(keep);
                if (checkpoint is not null)
                {
                    await checkpoint(db, end, number, ct);
                }
                await db.SaveChangesAsync(ct);
            }, cancellationToken);
            logger.LogInformation("{Source}: committed through line {Line} (byte {Offset})", source, number, end);
            attempts += result.Stored;
            duplicates += result.Duplicates;
            unattributed += result.Unattributed;
            batch.Clear();
            rejections.Clear();
        }

        await foreach (var line in lines.WithCancellation(cancellationToken))
        {
            lineNumber++;
            read++;
            endOffset = line.EndOffset;
            var outcome = line.TooLong
                ? ParseOutcome.Reject(lineNumber, $"line longer than {LineReader.DefaultMaxLineBytes / 1024} KB", line.Text)
                : parser.Parse(lineNumber, line.Text);
            if (outcome.Rejected is { } bad)
            {
                rejected++;
                if (storedRejections++ < MaxStoredRejections)
                {
                    rejections.Add(Rejection(source, bad));
                }
            }
            else if (outcome.Record is { } record)
            {
                records++;
                batch.Add(ToRecord(record, source));
                if (batch.Count >= options.BatchSize)
                {
                    await FlushAsync();
                }
            }
            else
            {
                notes++;
            }
        }
        if (read > 0 || batch.Count > 0)
        {
            await FlushAsync();
        }
        var total = new IngestResult(read, records, attempts, duplicates, rejected, unattributed, notes, Math.Round(watch.Elapsed.TotalSeconds, 2));
        if (read > 0)
        {
            logger.LogInformation("Ingested {Source}: {Lines} lines, {Records} records, {Attempts} stored, {Duplicates} duplicates, {Rejected} rejected, {Unattributed} unattributed",
                source, read, records, attempts, duplicates, rejected, unattributed);
        }
        return total;
    }

    private AttemptRecord ToRecord(SendLogRecord r, string source) => new()
    {
        Origin = RecordOrigin.Log,
        Key = AttemptRecord.LogKey(source, r.QueueId, r.Recipient, r.AtUtc, r.Outcome, r.EnhancedStatus),
        AtUtc = r.AtUtc,
        SourceIp = r.SourceIp,
        Recipient = r.Recipient,
        DeliveryId = _deliveryIds.Find(r.EnvelopeFrom, r.MessageId),
        MxHost = r.RelayHost,
        ReplyCode = r.ReplyCode,
        EnhancedStatus = r.EnhancedStatus,
        ReplyText = r.ReplyText,
        Error = r.Error,
        Outcome = r.Outcome,
    };

    /// <summary>Feeds the parser the lines just before the offset, so messages begun there are joined; their records were taken before.</summary>
    private static async Task ReadContextAsync(ISendLogParser parser, FileStream stream, long offset, CancellationToken cancellationToken)
    {
        var start = Math.Max(0, offset - ContextBytes);
        stream.Position = start;
        var reader = new LineReader(stream, start);
        var first = start > 0; // the first line from the middle of the file is a piece
        await foreach (var line in reader.ReadAsync(false, cancellationToken))
        {
            if (line.EndOffset > offset)
            {
                break;
            }
            if (!first && !line.TooLong)
            {
                parser.Parse(0, line.Text);
            }
            first = false;
        }
    }

    private async Task SaveCheckpointAsync(PortalDbContext db, FileStream stream, string fileKey, string path, long endOffset, long lines, CancellationToken cancellationToken)
    {
        var row = await db.FileCheckpoints.FirstOrDefaultAsync(c => c.FileKey == fileKey, cancellationToken)
            ?? db.FileCheckpoints.Add(new FileCheckpoint { FileKey = fileKey, Path = path }).Entity;
        row.Path = path.Length > 1000 ? path[..1000] : path;
        if (endOffset > 0)
        {
            var position = stream.Position;
            row.TailHash = await TailHashAsync(stream, endOffset, cancellationToken);
            stream.Position = position;
            row.Offset = endOffset;
            row.Lines = lines;
        }
        row.UpdatedAtUtc = clock.GetUtcNow().UtcDateTime;
    }

    private IngestRejection Rejection(string source, RejectedLine bad) => new()
    {
        Source = source.Length > 600 ? source[..600] : source,
        LineNumber = bad.LineNumber,
        Reason = bad.Reason.Length > 300 ? bad.Reason[..300] : bad.Reason,
        Excerpt = bad.Excerpt.Length > 300 ? bad.Excerpt[..300] : bad.Excerpt,
        AtUtc = clock.GetUtcNow().UtcDateTime,
    };
}

/// <summary>Finds our delivery id in a VERP return path or a Message-ID.</summary>
public sealed class DeliveryIds(string pattern)
{
    private readonly System.Text.RegularExpressions.Regex _pattern = new(pattern,
        System.Text.RegularExpressions.RegexOptions.Compiled | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    public long? Find(params string?[] values)
    {
        foreach (var value in values)
        {
            if (value is not null && _pattern.Match(value) is { Success: true } m && long.TryParse(m.Groups["delivery"].Value, out var id))
            {
                return id;
            }
        }
        return null;
    }
}
