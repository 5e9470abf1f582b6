using PrPortal.Data.Entities;

namespace PrPortal.Features.SendLog;

/// <summary>One delivery attempt read from a send log, before it is tied to a delivery.</summary>
public sealed record SendLogRecord(
    DateTime AtUtc,
    string Recipient,
    string? SourceIp,
    string? RelayHost,
    string? EnvelopeFrom,
    string? MessageId,
    int? ReplyCode,
    string? EnhancedStatus,
    string? ReplyText,
    string? Error,
    AttemptOutcome Outcome,
    string? QueueId = null);

/// <summary>A line that could not be read, with why; the rest of the stream goes on.</summary>
public sealed record RejectedLine(long LineNumber, string Reason, string Excerpt)
{
    public static RejectedLine Of(long lineNumber, string reason, string line) =>
        new(lineNumber, reason, line.Length > 200 ? line[..200] : line);
}

/// <summary>A streaming parser: one line (or row) in, zero or more records or one rejection out.</summary>
public interface ISendLogParser
{
    /// <summary>Reads the whole stream, one record at a time, in constant memory.</summary>
    IEnumerable<ParseOutcome> Parse(TextReader reader);

    /// <summary>Lines (or rows) read so far, whether they held an attempt or not.</summary>
    long LinesRead { get; }
}

public readonly record struct ParseOutcome(long LineNumber, SendLogRecord? Record, RejectedLine? Rejected);
