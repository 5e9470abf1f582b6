using System.Globalization;
using System.Net;
using CsvHelper;
using CsvHelper.Configuration;

namespace PrPortal.Features.Blocklists.Snds;

/// <summary>SNDS answered, but not with what we can use (an HTML page, an empty file, nothing readable).</summary>
public sealed class SndsException(string message, Exception? inner = null) : Exception(message, inner);

public sealed record SndsData(string Ip, DateTime? ActivityStartUtc, DateTime? ActivityEndUtc, int RcptCommands, int DataCommands, int Recipients,
    string FilterResult, string? ComplaintRate, int TrapHits, string? SampleHelo, string? SampleMailFrom, string? Comments);

public sealed record SndsStatusRange(IPAddress First, IPAddress Last, bool Blocked, string? Details)
{
    public bool Covers(IPAddress ip) =>
        ip.AddressFamily == First.AddressFamily && Compare(First, ip) <= 0 && Compare(ip, Last) <= 0;

    private static int Compare(IPAddress a, IPAddress b) =>
        ((ReadOnlySpan<byte>)a.GetAddressBytes()).SequenceCompareTo(b.GetAddressBytes());
}

public sealed record SndsBadRow(int Line, string Problem);

public sealed record SndsParsed<T>(IReadOnlyList<T> Rows, IReadOnlyList<SndsBadRow> Bad);

/// <summary>
/// Reads SNDS's two CSV files (no header). Fields are counted before they are read: a row with the wrong
/// number is a bad row, named with its line, and the rest are kept. An HTML page (a wrong or expired key)
/// or an empty data file is an error for the whole file.
/// </summary>
public static class SndsParser
{
    /// <summary>IP, activity start, activity end, RCPT, DATA, recipients, filter result, complaint rate, trap start, trap end, trap hits, HELO, MAIL FROM, comments.</summary>
    public const int DataFields = 14;

    /// <summary>SNDS gives times in Pacific time.</summary>
    private static readonly TimeZoneInfo Pacific = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");
    private static readonly string[] TimeFormats = ["M/d/yyyy h:mm tt", "M/d/yyyy H:mm", "M/d/yyyy h:mm:ss tt", "M/d/yyyy"];

    public static SndsParsed<SndsData> ParseData(string text)
    {
        RejectHtml(text, "Data");
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new SndsException("SNDS returned an empty Data file: no traffic was reported for that day, or the key has no IPs.");
        }
        var rows = new List<SndsData>();
        var bad = new List<SndsBadRow>();
        foreach (var (line, fields) in Records(text))
        {
            // Older exports end without the comments field; anything else means the layout changed.
            if (fields.Length is not (DataFields or DataFields - 1))
            {
                bad.Add(new SndsBadRow(line, $"expected {DataFields} fields (IP, activity start, activity end, RCPT, DATA, recipients, filter result, complaint rate, trap start, trap end, trap hits, HELO, MAIL FROM, comments), got {fields.Length}"));
                continue;
            }
            var problems = new List<string>();
            var ip = Ip(fields[0], "IP", problems);
            var start = Time(fields[1], "activity start", problems);
            var end = Time(fields[2], "activity end", problems);
            var rcpt = Count(fields[3], "RCPT commands", problems);
            var data = Count(fields[4], "DATA commands", problems);
            var recipients = Count(fields[5], "message recipients", problems);
            var filter = fields[6].Trim().ToUpperInvariant();
            if (filter is not ("GREEN" or "YELLOW" or "RED"))
            {
                problems.Add($"filter result '{fields[6]}' is not GREEN, YELLOW or RED");
            }
            var traps = Count(fields[10], "trap hits", problems);
            if (problems.Count > 0)
            {
                bad.Add(new SndsBadRow(line, string.Join("; ", problems)));
                continue;
            }
            rows.Add(new SndsData(ip!.ToString(), start, end, rcpt, data, recipients, filter, Text(fields[7]), traps,
                Text(fields[11]), Text(fields[12]), fields.Length > 13 ? Text(fields[13]) : null));
        }
        return new SndsParsed<SndsData>(rows, bad);
    }

    /// <summary>First IP, last IP, blocked (Yes/No), details. An empty file means no range is blocked.</summary>
    public static SndsParsed<SndsStatusRange> ParseIpStatus(string text)
    {
        RejectHtml(text, "IP Status");
        var rows = new List<SndsStatusRange>();
        var bad = new List<SndsBadRow>();
        foreach (var (line, fields) in Records(text))
        {
            if (fields.Length < 3)
            {
                bad.Add(new SndsBadRow(line, $"expected 4 fields (first IP, last IP, blocked, details), got {fields.Length}"));
                continue;
            }
            var problems = new List<string>();
            var first = Ip(fields[0], "first IP", problems);
            var last = Ip(fields[1], "last IP", problems);
            if (first is not null && last is not null && first.AddressFamily != last.AddressFamily)
            {
                problems.Add("first and last IP are of different families");
            }
            var blocked = fields[2].Trim().ToUpperInvariant() switch { "YES" => true, "NO" => false, _ => (bool?)null };
            if (blocked is null)
            {
                problems.Add($"blocked '{fields[2]}' is not Yes or No");
            }
            if (problems.Count > 0)
            {
                bad.Add(new SndsBadRow(line, string.Join("; ", problems)));
                continue;
            }
            // Details are free text: an unquoted comma in them must not lose the rest.
            rows.Add(new SndsStatusRange(first!, last!, blocked!.Value, Text(string.Join(",", fields.Skip(3)))));
        }
        return new SndsParsed<SndsStatusRange>(rows, bad);
    }

    private static void RejectHtml(string text, string file)
    {
        var start = text.TrimStart();
        if (start.StartsWith('<') || text.Contains("<html", StringComparison.OrdinalIgnoreCase))
        {
            throw new SndsException($"SNDS answered the {file} request with an HTML page instead of CSV: the key is wrong or has expired, or automated access is not enabled for it.");
        }
    }

    private static IEnumerable<(int Line, string[] Fields)> Records(string text)
    {
        using var reader = new StringReader(text);
        using var parser = new CsvParser(reader, new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            HasHeaderRecord = false,
            BadDataFound = null,
            IgnoreBlankLines = true,
        });
        while (parser.Read())
        {
            var fields = parser.Record ?? [];
            if (fields.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }
            yield return (parser.Row, fields);
        }
    }

    private static IPAddress? Ip(string field, string name, List<string> problems)
    {
        if (IPAddress.TryParse(field.Trim(), out var ip))
        {
            return ip;
        }
        problems.Add($"{name} '{field}' is not an IP address");
        return null;
    }

    private static int Count(string field, string name, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(field))
        {
            return 0;
        }
        if (int.TryParse(field.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0)
        {
            return n;
        }
        problems.Add($"{name} '{field}' is not a count");
        return 0;
    }

    private static DateTime? Time(string field, string name, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(field))
        {
            return null;
        }
        if (DateTime.TryParseExact(field.Trim(), TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), Pacific);
        }
        problems.Add($"{name} '{field}' is not a time (M/d/yyyy h:mm AM)");
        return null;
    }

    private static string? Text(string field)
    {
        var text = field.Trim();
        return text.Length == 0 ? null : text.Length > 500 ? text[..500] : text;
    }

    /// <summary>The day a data row belongs to: its activity start in Pacific time.</summary>
    public static DateOnly DayOf(DateTime activityStartUtc) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(activityStartUtc, Pacific));
}
