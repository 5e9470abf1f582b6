using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using PrPortal.Data.Entities;
using PrPortal.Infrastructure.Smtp;

namespace PrPortal.Features.SendLog;

/// <summary>
/// PowerMTA accounting CSV, read by its header: columns in any order, extra columns ignored. A file
/// without the required columns is refused whole, naming them; a bad row is refused alone.
/// </summary>
public sealed class PowerMtaCsvParser : ISendLogParser
{
    public static readonly string[] Required = ["type", "timeLogged", "rcpt"];

    public long LinesRead { get; private set; }

    public IEnumerable<ParseOutcome> Parse(TextReader reader)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            BadDataFound = null,
            MissingFieldFound = null,
            DetectColumnCountChanges = false,
            TrimOptions = TrimOptions.Trim,
        };
        using var csv = new CsvReader(reader, config, leaveOpen: true);
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { } header)
        {
            yield return new(1, null, RejectedLine.Of(1, "empty file: no header row", ""));
            yield break;
        }
        var missing = Required.Where(r => !header.Contains(r, StringComparer.OrdinalIgnoreCase)).ToList();
        if (missing.Count > 0)
        {
            yield return new(1, null, RejectedLine.Of(1, $"header lacks required column(s): {string.Join(", ", missing)}", string.Join(',', header)));
            yield break;
        }
        string? Field(string name) =>
            header.FirstOrDefault(h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase)) is { } column
                && csv.TryGetField<string>(column, out var value) && !string.IsNullOrEmpty(value) ? value : null;

        while (true)
        {
            bool more;
            try
            {
                more = csv.Read();
            }
            catch (CsvHelperException)
            {
                continue;
            }
            if (!more)
            {
                yield break;
            }
            var number = csv.Parser.RawRow;
            LinesRead = number;
            var type = Field("type");
            var rcpt = Field("rcpt");
            var logged = Field("timeLogged");
            if (type is null || rcpt is null || logged is null)
            {
                yield return new(number, null, RejectedLine.Of(number, "row lacks type, timeLogged or rcpt", csv.Parser.RawRecord.TrimEnd()));
                continue;
            }
            if (!DateTimeOffset.TryParse(logged, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                yield return new(number, null, RejectedLine.Of(number, $"unreadable timeLogged '{logged}'", csv.Parser.RawRecord.TrimEnd()));
                continue;
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
                continue; // receipts, feedback loop and other record types are not delivery attempts
            }
            // dsnDiag is "smtp;550 5.7.1 …" — the reply after the diagnostic type.
            var diag = Field("dsnDiag");
            var reply = diag is null ? null : diag.IndexOf(';') is var semi and >= 0 ? diag[(semi + 1)..].Trim() : diag;
            int? code = reply is { Length: >= 3 } && int.TryParse(reply.AsSpan(0, 3), out var c) ? c : null;
            yield return new(number, new SendLogRecord(at.UtcDateTime, rcpt, Field("dlvSourceIp"), Field("dlvDestinationIp") is { } dest ? Field("dlvRemoteMta") ?? dest : Field("dlvRemoteMta"),
                Field("orig"), Field("header_Message-Id")?.Trim('<', '>'), code, Field("dsnStatus")?.Split(' ')[0] ?? SmtpReply.Enhanced(reply ?? ""),
                code is null ? null : reply, code is null ? reply : null, code is null && outcome == AttemptOutcome.Deferred ? AttemptOutcome.Error : outcome.Value), null);
        }
    }
}
