using System.Security.Cryptography;
using System.Text;
using PrPortal.Data.Entities;
using PrPortal.Features.Bounces;

namespace PrPortal.Pipeline;

/// <summary>Where a record comes from decides how far it is trusted against its delivery.</summary>
public enum RecordOrigin
{
    /// <summary>Our own SMTP transaction (engine, resend, probe, test send, drill): the reply as it came.</summary>
    Engine,
    /// <summary>A line of an MTA's log (file, follower, ingest API, replay): a synchronous reply.</summary>
    Log,
    /// <summary>A bounce (DSN) that came back after the mail was accepted somewhere.</summary>
    Bounce,
}

/// <summary>
/// One attempt as any source reports it, before the pipeline classifies, de-duplicates and stores it.
/// <see cref="Key"/> is its stable identity: the same input read again has the same key.
/// </summary>
public sealed record AttemptRecord
{
    public required RecordOrigin Origin { get; init; }
    /// <summary>Null only for our own transactions, which are unique as they happen.</summary>
    public string? Key { get; init; }
    public required DateTime AtUtc { get; init; }
    /// <summary>The sending IP's production address, when the source names it.</summary>
    public string? SourceIp { get; init; }
    /// <summary>The mailbox provider; the pipeline finds it from the recipient or MX when missing.</summary>
    public string? Provider { get; init; }
    public required string Recipient { get; init; }
    public long? DeliveryId { get; init; }
    public string? MxHost { get; init; }
    public int? ReplyCode { get; init; }
    public string? EnhancedStatus { get; init; }
    public string? ReplyText { get; init; }
    public string? Error { get; init; }
    public required AttemptOutcome Outcome { get; init; }
    /// <summary>Null: the class of the delivery it belongs to (customer when unknown).</summary>
    public TrafficClass? Class { get; init; }
    /// <summary>Already classified (a DSN read per recipient); null: the pipeline classifies the reply.</summary>
    public Classification? Meaning { get; init; }
    /// <summary>IPs named in a bounce's text or in our own Received line, used when the delivery has none.</summary>
    public string? MentionedIp { get; init; }

    /// <summary>The key of a log record: source, queue id, recipient, time and status.</summary>
    public static string LogKey(string source, string? queueId, string recipient, DateTime atUtc, AttemptOutcome outcome, string? status) =>
        string.Join('\u001f', "log", source, queueId ?? "", recipient.ToLowerInvariant(), atUtc.Ticks, (int)outcome, status ?? "");

    /// <summary>The key of a bounce: its Message-ID and the recipient.</summary>
    public static string BounceKey(string messageId, string recipient) =>
        string.Join('\u001f', "dsn", messageId, recipient.ToLowerInvariant());

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(0, 16).ToArray();
}

/// <summary>What became of one record.</summary>
public enum RecordFate
{
    /// <summary>Stored against its delivery.</summary>
    Stored,
    /// <summary>Counted (rollups, detector) but for no delivery of ours: unknown, another recipient, or an IP not in the pool.</summary>
    Counted,
    /// <summary>No sending IP could be found: counted as unattributed only.</summary>
    Unattributed,
    /// <summary>Seen before: nothing added.</summary>
    Duplicate,
}

public sealed record ProcessedRecord(AttemptRecord Record, Classification? Meaning, string Provider, string? SourceIp, TrafficClass Class, RecordFate Fate);

public sealed record PipelineResult(IReadOnlyList<ProcessedRecord> Records)
{
    public int Stored => Records.Count(r => r.Fate == RecordFate.Stored);
    public int Duplicates => Records.Count(r => r.Fate == RecordFate.Duplicate);
    public int Unattributed => Records.Count(r => r.Fate == RecordFate.Unattributed);
    public int New => Records.Count(r => r.Fate != RecordFate.Duplicate);
}
