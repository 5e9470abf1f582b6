using PrPortal.Features.Providers;
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

    /// <summary>Reads and checks a scenario; any fault is one <see cref="ScenarioException"/> naming the field.</summary>
    public static IncidentScenario ParseValid(string json)
    {
        IncidentScenario scenario;
        try
        {
            scenario = Parse(json);
        }
        catch (JsonException e)
        {
            throw new ScenarioException(e.Path is { Length: > 0 } path ? $"{path.TrimStart('$', '.')}: {FirstLine(e.Message)}" : FirstLine(e.Message));
        }
        scenario.Validate();
        return scenario;
    }

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();

    /// <summary>Background failures the replay can play: each with the reply a provider gives for it.</summary>
    public static readonly IReadOnlyDictionary<string, string> BackgroundReplies = new Dictionary<string, string>
    {
        ["userunknown"] = "550 5.1.1 Recipient address rejected: User unknown",
        ["mailboxfull"] = "552 5.2.2 Mailbox full",
        ["networkerror"] = "421 4.4.2 Connection timed out",
        ["spamdetected"] = "550 5.7.1 Message rejected as spam by content filter",
    };

    public void Validate()
    {
        static void Fail(string field, string why) => throw new ScenarioException($"{field}: {why}");
        if (string.IsNullOrWhiteSpace(Name)) Fail("name", "must not be empty");
        if (Hours is <= 0 or > 24 * 366) Fail("hours", $"must be above 0 and at most a year, got {Hours}");
        if (MailsPerHour <= 0) Fail("mails_per_hour", $"must be above 0, got {MailsPerHour}");
        if (Hours * MailsPerHour > 50_000_000) Fail("mails_per_hour", $"hours × mails_per_hour is {Hours * MailsPerHour:0}; at most 50 million mails");
        if (Ips.Primary is < 1 or > 1000) Fail("ips.primary", $"must be 1 to 1000, got {Ips.Primary}");
        if (Ips.Spare is < 0 or > 1000) Fail("ips.spare", $"must be 0 to 1000, got {Ips.Spare}");
        CheckShares("provider_mix", ProviderMix, id => MailboxProviderCatalog.All.Any(p => p.Id == id && id != ProviderClassifier.Unknown),
            "a provider id (" + string.Join(", ", MailboxProviderCatalog.All.Select(p => p.Id).Where(id => id != ProviderClassifier.Unknown)) + ")");
        CheckShares("category_mix", CategoryMix, c => Enum.TryParse<Data.Entities.RecipientCategory>(c, out _) && !int.TryParse(c, out _),
            "a user category (" + string.Join(", ", Enum.GetNames<Data.Entities.RecipientCategory>()) + ")");
        foreach (var (reason, share) in BackgroundFailures)
        {
            if (!BackgroundReplies.ContainsKey(reason)) Fail($"background_failures.{reason}", $"unknown reason; one of {string.Join(", ", BackgroundReplies.Keys)}");
            if (share is < 0 or > 1 || double.IsNaN(share)) Fail($"background_failures.{reason}", $"must be a share from 0 to 1, got {share}");
        }
        if (BackgroundFailures.Values.Sum() > 1) Fail("background_failures", $"shares add up to {BackgroundFailures.Values.Sum()}, more than 1");
        for (var i = 0; i < Blocks.Count; i++)
        {
            var block = Blocks[i];
            var field = $"blocks[{i}]";
            if (!ProviderMix.ContainsKey(block.Provider)) Fail($"{field}.provider", $"'{block.Provider}' is not in provider_mix");
            IReadOnlyList<int> indexes = [];
            try
            {
                indexes = block.PrimaryIndexes();
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                Fail($"{field}.ips", "must be a count of primaries or a list of 1-based indexes");
            }
            if (indexes.Count == 0) Fail($"{field}.ips", "blocks no IP");
            if (indexes.Any(x => x < 0 || x >= Ips.Primary)) Fail($"{field}.ips", $"names a primary outside 1..{Ips.Primary}");
            if (indexes.Distinct().Count() != indexes.Count) Fail($"{field}.ips", "names an IP twice");
            if (block.FromHour < 0 || block.UntilHour <= block.FromHour) Fail($"{field}.until_hour", $"the block must end after it starts (from_hour {block.FromHour}, until_hour {block.UntilHour})");
            if (block.Kind is not ("reject" or "defer")) Fail($"{field}.kind", $"must be \"reject\" or \"defer\", got '{block.Kind}'");
            var code = block.Reply.Length >= 3 && int.TryParse(block.Reply[..3], out var c) ? c : 0;
            if (block.Kind == "reject" && code is < 500 or > 599) Fail($"{field}.reply", "a reject block's reply must start with a 5xx code");
            if (block.Kind == "defer" && code is < 400 or > 499) Fail($"{field}.reply", "a defer block's reply must start with a 4xx code");
            for (var j = 0; j < i; j++)
            {
                var other = Blocks[j];
                if (other.Provider == block.Provider && other.FromHour < block.UntilHour && block.FromHour < other.UntilHour
                    && other.PrimaryIndexes().Intersect(indexes).Any() && (other.Kind != block.Kind || other.Reply != block.Reply))
                {
                    Fail($"{field}", $"overlaps blocks[{j}] (same provider, IPs and hours) with another kind or reply");
                }
            }
        }
    }

    private static void CheckShares(string field, Dictionary<string, double> shares, Func<string, bool> known, string expected)
    {
        if (shares.Count == 0)
        {
            throw new ScenarioException($"{field}: must name at least one share");
        }
        foreach (var (key, share) in shares)
        {
            if (!known(key)) throw new ScenarioException($"{field}.{key}: unknown; expected {expected}");
            if (share is < 0 or > 1 || double.IsNaN(share)) throw new ScenarioException($"{field}.{key}: must be a share from 0 to 1, got {share}");
        }
        var sum = shares.Values.Sum();
        if (Math.Abs(sum - 1) > 1e-6) throw new ScenarioException($"{field}: shares must add up to 1, got {sum:0.######}");
    }

    /// <summary>The reference incident shipped with the portal.</summary>
    public static IncidentScenario Reference()
    {
        using var stream = typeof(IncidentScenario).Assembly.GetManifestResourceStream("PrPortal.Sandbox.Scenarios.seed-incident.json")
            ?? throw new InvalidOperationException("The seed scenario is not embedded in the assembly.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }
}

/// <summary>A scenario that cannot be played: the message names the field and what is wrong with it.</summary>
public sealed class ScenarioException(string message) : Exception(message);

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
        JsonValueKind.Number when Ips.TryGetInt32(out var count) && count >= 0 => Enumerable.Range(0, count).ToList(),
        JsonValueKind.Array when Ips.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out _)) => Ips.EnumerateArray().Select(e => e.GetInt32() - 1).ToList(),
        _ => throw new JsonException("A block's 'ips' must be a count or a list of 1-based indexes."),
    };
}
