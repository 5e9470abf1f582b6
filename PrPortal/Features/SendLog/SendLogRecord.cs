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

/// <summary>
/// A line parser: every line is a record, a known line that is not an attempt (neither set), or rejected
/// with a reason. State that joins a message's lines (Postfix queue ids) is kept across calls.
/// </summary>
public interface ISendLogParser
{
    ParseOutcome Parse(long lineNumber, string line);
}

public readonly record struct ParseOutcome(long LineNumber, SendLogRecord? Record, RejectedLine? Rejected)
{
    public static ParseOutcome Note(long lineNumber) => new(lineNumber, null, null);
    public static ParseOutcome Reject(long lineNumber, string reason, string line) => new(lineNumber, null, RejectedLine.Of(lineNumber, reason, line));
}

public static class SendLogParserExtensions
{
    /// <summary>The records and rejections of a whole text (notes left out), for tests and small inputs.</summary>
    public static IEnumerable<ParseOutcome> ParseAll(this ISendLogParser parser, TextReader reader)
    {
        long number = 0;
        while (reader.ReadLine() is { } line)
        {
            var outcome = parser.Parse(++number, line);
            if (outcome.Record is not null || outcome.Rejected is not null)
            {
                yield return outcome;
            }
        }
    }
}
