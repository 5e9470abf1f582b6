using System.Globalization;
using System.Text.RegularExpressions;
using PrPortal.Data.Entities;
using PrPortal.Infrastructure.Smtp;

namespace PrPortal.Features.SendLog;

/// <summary>
/// Postfix maillog: smtp delivery lines, joined by queue ID with qmgr (envelope sender) and cleanup
/// (Message-ID). A multi-IP Postfix names each transport by its syslog_name (postfix-ip07/smtp); the
/// map turns that into the sending IP. Queue IDs are forgotten when removed or when too many are open,
/// so memory stays bounded whatever the file size.
/// </summary>
/// <param name="latestUtc">When the log's year is not known for sure: no line is later than this (a day's slack), so a later date is last year's (a December line read in January).</param>
public sealed partial class PostfixLogParser(IReadOnlyDictionary<string, string> syslogNameToIp, int year, TimeZoneInfo zone, DateTime? latestUtc = null) : ISendLogParser
{
    private const int MaxOpenQueueIds = 200_000;

    // Kept across calls, so a follower that feeds the log in pieces still joins a message's lines.
    private readonly Dictionary<string, (string? From, string? MessageId)> queue = new(StringComparer.Ordinal);
    private readonly Queue<string> order = new();

    public ParseOutcome Parse(long number, string line)
    {
        if (line.Length == 0)
        {
            return ParseOutcome.Note(number);
        }
        if (!IsText(line))
        {
            return ParseOutcome.Reject(number, "not text (binary or wrongly encoded)", line);
        }
        var header = HeaderPattern().Match(line);
        if (!header.Success)
        {
            return ParseOutcome.Reject(number, "not a Postfix log line", line);
        }
        var m = LinePattern().Match(line);
        if (!m.Success)
        {
            // Other programs and Postfix lines without a queue ID (postscreen, anvil, …): not attempts, not errors.
            return ParseOutcome.Note(number);
        }
        var program = m.Groups["program"].Value;
        var slash = program.IndexOf('/');
        var syslogName = slash > 0 ? program[..slash] : program;
        var daemon = slash > 0 ? program[(slash + 1)..] : program;
        var id = m.Groups["queue"].Value;
        var rest = m.Groups["rest"].Value;

        switch (daemon)
        {
            case "cleanup" when MessageIdPattern().Match(rest) is { Success: true } mid:
                Remember(queue, order, id, q => q with { MessageId = mid.Groups[1].Value });
                break;
            case "qmgr" when FromPattern().Match(rest) is { Success: true } from:
                Remember(queue, order, id, q => q with { From = from.Groups[1].Value });
                break;
            case "qmgr" when rest == "removed":
                queue.Remove(id);
                break;
            case "smtp" or "lmtp" or "error" or "retry" or "local" or "virtual" or "pipe" or "discard":
                var delivery = DeliveryPattern().Match(rest);
                if (!delivery.Success)
                {
                    // A line that names a recipient is a delivery line: cut short or bent, it is an error, not a note.
                    return rest.StartsWith("to=<", StringComparison.Ordinal)
                        ? ParseOutcome.Reject(number, "delivery line cut short or malformed (no status and reply)", line)
                        : ParseOutcome.Note(number); // connection-level notes without a recipient
                }
                if (!TryTime(m.Groups["time"].Value, out var at))
                {
                    return ParseOutcome.Reject(number, "unreadable timestamp", line);
                }
                queue.TryGetValue(id, out var known);
                return new(number, Record(at, delivery, syslogName, known.From, known.MessageId, id), null);
        }
        return ParseOutcome.Note(number);
    }

    private SendLogRecord Record(DateTime at, Match delivery, string syslogName, string? from, string? messageId, string queueId)
    {
        var relay = delivery.Groups["relay"].Value;
        var relayHost = relay == "none" ? null : relay.Split('[')[0];
        var status = delivery.Groups["status"].Value;
        var detail = delivery.Groups["detail"].Value;
        // The remote reply: "host mx[ip] said: 550 5.7.1 … (in reply to MAIL FROM command)", or "250 2.0.0 Ok: …".
        var said = SaidPattern().Match(detail);
        var reply = said.Success ? said.Groups[1].Value : ReplyStart().IsMatch(detail) ? detail : null;
        int? code = reply is not null ? int.Parse(reply.AsSpan(0, 3), CultureInfo.InvariantCulture) : null;
        var outcome = (status, reply) switch
        {
            ("sent", _) => AttemptOutcome.Accepted,
            ("bounced", _) => AttemptOutcome.Rejected, // with or without a remote reply, it is final
            (_, null) => AttemptOutcome.Error,         // connection refused, timed out, …
            _ => AttemptOutcome.Deferred,
        };
        return new SendLogRecord(at, delivery.Groups["to"].Value, syslogNameToIp.GetValueOrDefault(syslogName), relayHost,
            from, messageId, code, delivery.Groups["dsn"].Value, reply, reply is null ? detail : null, outcome, queueId);
    }

    private static void Remember(Dictionary<string, (string? From, string? MessageId)> queue, Queue<string> order, string id,
        Func<(string? From, string? MessageId), (string? From, string? MessageId)> update)
    {
        if (!queue.TryGetValue(id, out var current))
        {
            order.Enqueue(id);
            while (order.Count > MaxOpenQueueIds && order.TryDequeue(out var oldest))
            {
                queue.Remove(oldest);
            }
        }
        queue[id] = update(current);
    }

    private bool TryTime(string value, out DateTime utc)
    {
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var iso) && value.Contains('T'))
        {
            utc = iso.UtcDateTime;
            return true;
        }
        if (DateTime.TryParseExact(value.Replace("  ", " "), "MMM d HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            if (local.Month == 2 && local.Day == 29 && !DateTime.IsLeapYear(year))
            {
                utc = default;
                return false;
            }
            var withYear = new DateTime(year, local.Month, local.Day, local.Hour, local.Minute, local.Second, DateTimeKind.Unspecified);
            utc = TimeZoneInfo.ConvertTimeToUtc(withYear, zone);
            if (latestUtc is { } latest && utc > latest.AddDays(1) && !(local.Month == 2 && local.Day == 29))
            {
                utc = TimeZoneInfo.ConvertTimeToUtc(withYear.AddYears(-1), zone);
            }
            return true;
        }
        utc = default;
        return false;
    }

    private static bool IsText(string line) =>
        !line.Contains('\uFFFD') && !line.Any(ch => ch < ' ' && ch != '\t');

    [GeneratedRegex(@"^(?:\d{4}-\d\d-\d\dT\S+|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) \S+ [\w.\-/]+\[\d+\]: ")]
    private static partial Regex HeaderPattern();

    [GeneratedRegex(@"^(?<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) \S+ (?<program>postfix[\w.\-]*/[\w\-]+)\[\d+\]: (?<queue>[0-9A-Za-z]{5,}): (?<rest>.*)$")]
    private static partial Regex LinePattern();

    [GeneratedRegex(@"^to=<(?<to>[^>]*)>, (?:orig_to=<[^>]*>, )?relay=(?<relay>[^,]+), .*?dsn=(?<dsn>\d\.\d{1,3}\.\d{1,3}), status=(?<status>sent|deferred|bounced|expired) \((?<detail>.*)\)$")]
    private static partial Regex DeliveryPattern();

    [GeneratedRegex(@"^from=<([^>]*)>")]
    private static partial Regex FromPattern();

    [GeneratedRegex(@"^message-id=<?([^>\s]+)>?")]
    private static partial Regex MessageIdPattern();

    [GeneratedRegex(@"\b(?:said|refused to talk to me): ((?:[245]\d\d)[ -].*)$")]
    private static partial Regex SaidPattern();

    [GeneratedRegex(@"^[245]\d\d[ -]")]
    private static partial Regex ReplyStart();
}
