using System.Text.Json;
using System.Text.Json.Serialization;
using PrPortal.Data.Entities;

namespace PrPortal.Features.SendLog;

/// <summary>One line of PrPortal's own delivery log (what the delivery engine writes).</summary>
public sealed record DeliveryLogLine
{
    [JsonPropertyName("at"), JsonConverter(typeof(UtcTimeConverter))] public DateTime At { get; init; }
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

/// <summary>An ISO 8601 time with its offset, or without one taken as UTC: never the machine's own zone.</summary>
public sealed class UtcTimeConverter : JsonConverter<DateTime>
{
    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString() is { } text && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? at.UtcDateTime
            : throw new JsonException($"'at' is not a time: {reader.GetString()}");

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
        writer.WriteStringValue(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}

/// <summary>PrPortal's own JSON-lines delivery log, one attempt per line.</summary>
public sealed class JsonLinesLogParser : ISendLogParser
{
    public ParseOutcome Parse(long number, string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return ParseOutcome.Note(number);
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
        if (entry is null || !Enum.TryParse<AttemptOutcome>(entry.Outcome, ignoreCase: true, out var outcome) || !Enum.IsDefined(outcome))
        {
            return ParseOutcome.Reject(number, problem ?? $"unknown outcome '{entry?.Outcome}'", line);
        }
        if (string.IsNullOrWhiteSpace(entry.Recipient) || entry.At == default)
        {
            return ParseOutcome.Reject(number, "record lacks recipient or time", line);
        }
        return new(number, new SendLogRecord(entry.At, entry.Recipient, entry.SourceIp,
            entry.Mx, entry.EnvelopeFrom ?? (entry.DeliveryId is { } id ? $"bounce+d{id}@" : null), entry.MessageId,
            entry.ReplyCode, entry.Status, entry.Reply, entry.Error, outcome), null);
    }
}
