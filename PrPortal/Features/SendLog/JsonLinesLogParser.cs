using System.Text.Json;
using System.Text.Json.Serialization;
using PrPortal.Data.Entities;

namespace PrPortal.Features.SendLog;

/// <summary>One line of PrPortal's own delivery log (what the delivery engine writes).</summary>
public sealed record DeliveryLogLine
{
    [JsonPropertyName("at")] public DateTime At { get; init; }
    [JsonPropertyName("delivery_id")] public long? DeliveryId { get; init; }
    [JsonPropertyName("recipient")] public required string Recipient { get; init; }
    [JsonPropertyName("source_ip")] public string? SourceIp { get; init; }
    [JsonPropertyName("mx")] public string? Mx { get; init; }
    [JsonPropertyName("envelope_from")] public string? EnvelopeFrom { get; init; }
    [JsonPropertyName("message_id")] public string? MessageId { get; init; }
    [JsonPropertyName("reply_code")] public int? ReplyCode { get; init; }
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("reply")] public string? Reply { get; init; }
    [JsonPropertyName("error")] public string? Error { get; init; }
    [JsonPropertyName("outcome")] public required string Outcome { get; init; }

    public static readonly JsonSerializerOptions Options = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
}

/// <summary>PrPortal's own JSON-lines delivery log, one attempt per line.</summary>
public sealed class JsonLinesLogParser : ISendLogParser
{
    public long LinesRead { get; private set; }

    public IEnumerable<ParseOutcome> Parse(TextReader reader)
    {
        var number = LinesRead;
        while (reader.ReadLine() is { } line)
        {
            number++;
            LinesRead = number;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            DeliveryLogLine? entry;
            string? problem = null;
            try
            {
                entry = JsonSerializer.Deserialize<DeliveryLogLine>(line, DeliveryLogLine.Options);
            }
            catch (JsonException e)
            {
                entry = null;
                problem = $"not a JSON delivery record: {e.Message}";
            }
            if (entry is null || !Enum.TryParse<AttemptOutcome>(entry.Outcome, ignoreCase: true, out var outcome))
            {
                yield return new(number, null, RejectedLine.Of(number, problem ?? $"unknown outcome '{entry?.Outcome}'", line));
                continue;
            }
            yield return new(number, new SendLogRecord(DateTime.SpecifyKind(entry.At, DateTimeKind.Utc).ToUniversalTime(), entry.Recipient, entry.SourceIp,
                entry.Mx, entry.EnvelopeFrom ?? (entry.DeliveryId is { } id ? $"bounce+d{id}@" : null), entry.MessageId,
                entry.ReplyCode, entry.Status, entry.Reply, entry.Error, outcome), null);
        }
    }
}
