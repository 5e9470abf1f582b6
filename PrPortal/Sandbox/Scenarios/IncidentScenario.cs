using System.Text.Json;
using System.Text.Json.Serialization;

namespace PrPortal.Sandbox.Scenarios;

/// <summary>An incident scenario (the format of seed-incident.json): the world's mix and its blocks.</summary>
public sealed record IncidentScenario
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("start")] public DateTimeOffset Start { get; init; }
    [JsonPropertyName("hours")] public double Hours { get; init; }
    [JsonPropertyName("mails_per_hour")] public int MailsPerHour { get; init; }
    [JsonPropertyName("seed")] public int Seed { get; init; }
    [JsonPropertyName("ips")] public required ScenarioIps Ips { get; init; }
    [JsonPropertyName("provider_mix")] public required Dictionary<string, double> ProviderMix { get; init; }
    [JsonPropertyName("category_mix")] public required Dictionary<string, double> CategoryMix { get; init; }
    [JsonPropertyName("background_failures")] public Dictionary<string, double> BackgroundFailures { get; init; } = [];
    [JsonPropertyName("blocks")] public List<ScenarioBlock> Blocks { get; init; } = [];

    private static readonly JsonSerializerOptions Options = new()
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true,
    };

    public static IncidentScenario Parse(string json) =>
        JsonSerializer.Deserialize<IncidentScenario>(json, Options)
        ?? throw new JsonException("The scenario is empty.");

    /// <summary>The reference incident shipped with the portal.</summary>
    public static IncidentScenario Reference()
    {
        using var stream = typeof(IncidentScenario).Assembly.GetManifestResourceStream("PrPortal.Sandbox.Scenarios.seed-incident.json")
            ?? throw new InvalidOperationException("The seed scenario is not embedded in the assembly.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }
}

public sealed record ScenarioIps
{
    [JsonPropertyName("primary")] public int Primary { get; init; }
    [JsonPropertyName("spare")] public int Spare { get; init; }
}

public sealed record ScenarioBlock
{
    [JsonPropertyName("provider")] public required string Provider { get; init; }
    /// <summary>A count of primaries from the first, or a list of 1-based indexes.</summary>
    [JsonPropertyName("ips")] public JsonElement Ips { get; init; }
    [JsonPropertyName("from_hour")] public double FromHour { get; init; }
    [JsonPropertyName("until_hour")] public double UntilHour { get; init; }
    [JsonPropertyName("reply")] public required string Reply { get; init; }
    [JsonPropertyName("kind")] public string Kind { get; init; } = "reject";

    /// <summary>The 0-based indexes of the primaries this block hits.</summary>
    public IReadOnlyList<int> PrimaryIndexes() => Ips.ValueKind switch
    {
        JsonValueKind.Number => Enumerable.Range(0, Ips.GetInt32()).ToList(),
        JsonValueKind.Array => Ips.EnumerateArray().Select(e => e.GetInt32() - 1).ToList(),
        _ => throw new JsonException("A block's 'ips' must be a count or a list of 1-based indexes."),
    };
}
