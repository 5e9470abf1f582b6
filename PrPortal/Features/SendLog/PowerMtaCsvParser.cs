using System.Globalization;
using System.Text;
using PrPortal.Data.Entities;
using PrPortal.Infrastructure.Smtp;

namespace PrPortal.Features.SendLog;

/// <summary>
/// PowerMTA accounting CSV, read by its header: columns in any order, extra columns ignored. PowerMTA
/// writes one record per line, so each line is split alone: a bad row (an unterminated quote, a missing
/// field) costs only itself. A file without the required columns is refused, every line counted.
/// </summary>
public sealed class PowerMtaCsvParser : ISendLogParser
{
    public static readonly string[] Required = ["type", "timeLogged", "rcpt"];

    private Dictionary<string, int>? _columns;
    private string? _headerProblem;

    public ParseOutcome Parse(long number, string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return ParseOutcome.Note(number);
        }
        if (_columns is null && _headerProblem is null)
        {
            if (Split(line) is not { } header)
            {
                _headerProblem = "the header row is not CSV";
                return ParseOutcome.Reject(number, _headerProblem, line);
            }
            var columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < header.Count; i++)
            {
                columns.TryAdd(header[i].Trim(), i);
            }
            var missing = Required.Where(r => !columns.ContainsKey(r)).ToList();
            if (missing.Count > 0)
            {
                _headerProblem = $"header lacks required column(s): {string.Join(", ", missing)}";
                return ParseOutcome.Reject(number, _headerProblem, line);
            }
            _columns = columns;
            return ParseOutcome.Note(number);
        }
        if (_headerProblem is not null)
        {
            return ParseOutcome.Reject(number, $"not read: {_headerProblem}", line);
        }
        if (Split(line) is not { } fields)
        {
            return ParseOutcome.Reject(number, "unterminated quote: the row is not CSV", line);
        }
        string? Field(string name) =>
            _columns!.TryGetValue(name, out var i) && i < fields.Count && fields[i].Trim() is { Length: > 0 } value ? value : null;

        var type = Field("type");
        var rcpt = Field("rcpt");
        var logged = Field("timeLogged");
        if (type is null || rcpt is null || logged is null)
        {
            return ParseOutcome.Reject(number, "row lacks type, timeLogged or rcpt", line);
        }
        if (!DateTimeOffset.TryParse(logged, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return ParseOutcome.Reject(number, $"unreadable timeLogged '{logged}'", line);
        }
        var outcome = type switch
        {
            "d" => AttemptOutcome.Accepted,
            "b" or "rb" => AttemptOutcome.Rejected,
            "t" or "tq" => AttemptOutcome.Deferred,
            _ => (AttemptOutcome?)null,
        };
        if (outcome is null)
        {
            return ParseOutcome.Note(number); // receipts, feedback loop and other record types are not delivery attempts
        }
        // dsnDiag is "smtp;550 5.7.1 …" — the reply after the diagnostic type.
        var diag = Field("dsnDiag");
        var reply = diag is null ? null : diag.IndexOf(';') is var semi and >= 0 ? diag[(semi + 1)..].Trim() : diag;
        int? code = reply is { Length: >= 3 } && int.TryParse(reply.AsSpan(0, 3), out var c) ? c : null;
        return new(number, new SendLogRecord(at.UtcDateTime, rcpt, Field("dlvSourceIp"), Field("dlvDestinationIp") is { } dest ? Field("dlvRemoteMta") ?? dest : Field("dlvRemoteMta"),
            Field("orig"), Field("header_Message-Id")?.Trim('<', '>'), code, Field("dsnStatus")?.Split(' ')[0] ?? SmtpReply.Enhanced(reply ?? ""),
            code is null ? null : reply, code is null ? reply : null, code is null && outcome == AttemptOutcome.Deferred ? AttemptOutcome.Error : outcome.Value,
            Field("jobId") ?? Field("envId")), null);
    }

    /// <summary>RFC 4180 fields of one line ("" inside quotes is a quote); null when a quote is left open.</summary>
    public static List<string>? Split(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (ch != '\r')
            {
                field.Append(ch);
            }
        }
        if (quoted)
        {
            return null;
        }
        fields.Add(field.ToString());
        return fields;
    }
}
