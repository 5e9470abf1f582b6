using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace PrPortal.Features.Bounces;

/// <summary>
/// What a reply means: a reason in Sisimai's vocabulary, whether the sending IP (not the recipient or the
/// message) is the cause, and the blocklist or provider rule the text names.
/// </summary>
public sealed record Classification(
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("ip_block")] bool IpBlock,
    [property: JsonPropertyName("list")] string? List)
{
    /// <summary>Found by a rule marked as_is: the reporting MTA's own words, not reread by SMTP stage or notice kind.</summary>
    [JsonIgnore] public bool AsIs { get; init; }

    /// <summary>What decided it, for staff to check and correct: "status 5.1.1 at RCPT", "rule microsoft-s3150".</summary>
    [JsonPropertyName("why")] public string Why { get; init; } = "nothing more specific was found";

    public Classification Because(string why) => this with { Why = why };

    public static readonly Classification Undefined = new("undefined", false, null);
}

/// <summary>
/// Classifies SMTP replies and DSN diagnostics by rules that are data (classification-rules.json, plus
/// staff rules from Bounces:RulesFile tried first): list rules, then the enhanced status code's own
/// meaning, then text patterns, then status class and reply code. Pure: no I/O after construction.
/// </summary>
public sealed partial class ReplyClassifier
{
    private readonly IReadOnlyList<Rule> _first;
    private readonly IReadOnlyList<Rule> _status;
    private readonly IReadOnlyList<Rule> _after;
    private readonly IReadOnlyList<Rule> _fallback;

    public ReplyClassifier(RuleSet rules, RuleSet? overrides = null)
    {
        _first = [.. Compile(overrides?.First), .. Compile(overrides?.After), .. Compile(rules.First)];
        _status = [.. Compile(overrides?.Status), .. Compile(rules.Status)];
        _after = Compile(rules.After);
        _fallback = [.. Compile(overrides?.Fallback), .. Compile(rules.Fallback)];
    }

    /// <summary>The rules shipped with the portal.</summary>
    public static RuleSet BuiltInRules()
    {
        using var stream = typeof(ReplyClassifier).Assembly.GetManifestResourceStream("PrPortal.Features.Bounces.classification-rules.json")
            ?? throw new InvalidOperationException("The classification rules are not embedded in the assembly.");
        return RuleSet.Parse(stream);
    }

    public static ReplyClassifier BuiltIn() => new(BuiltInRules());

    /// <summary>Classifies a reply as it came over the wire ("550 5.7.1 …", several lines allowed).</summary>
    public Classification ClassifyReply(string reply)
    {
        var text = reply.Trim();
        int? code = ReplyCodePattern().Match(text) is { Success: true } c ? int.Parse(c.Groups[1].Value) : null;
        var status = StatusPattern().Match(text) is { Success: true } s ? s.Value : null;
        // A multi-line reply reads as one sentence once each continuation line's code is taken off.
        var joined = string.Join(' ', text.Split('\n').Select((line, i) => i == 0 ? line.Trim() : ContinuationPrefix().Replace(line.Trim(), "")));
        return Classify(status, code, joined);
    }

    /// <summary>The meaning of the SMTP reply quoted in a text (an incident's evidence, a stored reply), for showing "why".</summary>
    public Classification Explain(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Classification.Undefined;
        }
        var start = QuotedReply().Match(text);
        return ClassifyReply(start.Success ? text[start.Index..] : text);
    }

    [GeneratedRegex(@"(?<![\d.])[245]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3}\b)?")]
    private static partial Regex QuotedReply();

    public Classification Classify(string? status, int? replyCode, string? text)
    {
        text ??= "";
        status = string.IsNullOrWhiteSpace(status) ? null : status.Trim();
        // A generic DSN status ("5.0.0") says less than a specific one inside the reply text.
        if (status is null || status.EndsWith(".0.0", StringComparison.Ordinal))
        {
            // (…a failure's: "250 2.1.0 Sender ok" earlier in a transcript is not what failed.)
            status = FailureStatus().Match(text) is { Success: true } specific ? specific.Value : status;
        }
        // Reply codes repeated inside a folded multi-line reply ("… multiple 550 5.7.1 addresses …") are not words.
        // …nor is a pipe recipient's command line ("|exec /usr/bin/procmail … || exit 75"): it names the recipient, not the failure.
        var words = PipeRecipient().Replace(InnerCodes().Replace(text, ""), "");
        var found = Match(status, replyCode, words);
        var stage = Stage(text);
        if (found.AsIs)
        {
            return found;
        }
        // 5.2.1 or 5.7.1 with "user unknown" is a filter's refusal unless it answered RCPT TO.
        if (found.Reason == "userunknown" && status is "5.2.1" or "5.7.1" && stage != "rcpt")
        {
            return new Classification("filtered", false, found.List) { Why = $"{found.Why}, status {status} not at RCPT: a filter" };
        }
        var staged = ByStage(stage, found, replyCode ?? 0, text, status);
        return staged == found ? (stage is null ? found : found with { Why = $"{found.Why} at {stage.ToUpperInvariant()}" })
            : staged with { Why = $"{found.Why}, refused at {stage!.ToUpperInvariant()}" };
    }

    /// <summary>
    /// The reasons an RFC 3463 status subject allows (X.1 addressing, X.2 mailbox, X.3 mail system, X.4
    /// network and routing, X.5 protocol, X.6 content, X.7 security and policy). When the status is
    /// specific (its detail is not 0), a text rule may refine the reason only within its subject; a rule
    /// outside it counts only when it is named evidence (a provider's own code) or an IP block the text
    /// states. Facts first, words second.
    /// </summary>
    private static readonly Dictionary<char, HashSet<string>> AllowedBySubject = new()
    {
        ['1'] = ["userunknown", "hostunknown", "hasmoved", "rejected", "notaccept", "suspend", "filtered", "norelaying", "syntaxerror"],
        ['2'] = ["mailboxfull", "suspend", "filtered", "exceedlimit", "userunknown", "mesgtoobig", "systemerror", "hasmoved", "notaccept", "policyviolation"],
        ['3'] = ["systemerror", "mesgtoobig", "notaccept", "mailboxfull", "systemfull", "contenterror", "securityerror", "networkerror"],
        ['4'] = ["networkerror", "hostunknown", "expired", "toomanyconn", "notaccept", "systemerror", "blocked", "speeding", "onhold", "requireptr"],
        ['5'] = ["syntaxerror", "mailererror", "toomanyrcpt", "systemerror", "rejected", "securityerror", "requireptr", "notcompliantrfc", "policyviolation", "blocked"],
        ['6'] = ["contenterror", "spamdetected", "virusdetected", "mesgtoobig", "notcompliantrfc", "policyviolation", "securityerror"],
    };

    private static bool Allowed(string? status, Rule rule)
    {
        if (status is null || rule.IsStatusRow || rule.IsEvidence || rule.Reason is "feedback" or "vacation" or "delivered")
        {
            return true;
        }
        // A temporary failure of any subject may have been given up: the words may say it expired.
        if (rule.Reason == "expired" && status.StartsWith("4.", StringComparison.Ordinal))
        {
            return true;
        }
        var parts = status.Split('.');
        if (parts.Length != 3 || parts[2] == "0" || parts[1].Length != 1 || !AllowedBySubject.TryGetValue(parts[1][0], out var allowed))
        {
            return true; // generic, or X.7 (security and policy): the words say which
        }
        return allowed.Contains(rule.Reason);
    }

    private static bool WithinSubject(string? status, Rule rule) =>
        status?.Split('.') is [_, { Length: 1 } subject, _] && AllowedBySubject.TryGetValue(subject[0], out var allowed) ? allowed.Contains(rule.Reason) : true;

    private Classification Match(string? status, int? replyCode, string text)
    {
        foreach (var set in new[] { _first, _status, _after, _fallback })
        {
            foreach (var rule in set)
            {
                if (rule.Matches(status, replyCode, text) && Allowed(status, rule))
                {
                    // A broad status (5.2.1 mailbox disabled, 5.6.x content) is refined by the words, within its subject.
                    if (rule.Refinable && _after.FirstOrDefault(a => a.Reason != rule.Reason && a.HasWords && a.Matches(status, replyCode, text) && Allowed(status, a) && WithinSubject(status, a)) is { } refined)
                    {
                        return new Classification(refined.Reason, refined.IpBlock, refined.List) { Why = $"status {status}, refined by {refined.Why(status, replyCode)}" };
                    }
                    return new Classification(rule.Reason, rule.IpBlock, rule.List) { AsIs = rule.AsIs, Why = rule.Why(status, replyCode) };
                }
            }
        }
        return Classification.Undefined with { Why = status is null && replyCode is null ? "no status, reply code or known words" : $"status {status ?? "-"} / reply {replyCode?.ToString() ?? "-"}: no specific meaning" };
    }

    /// <summary>
    /// The command a refusal answered changes its meaning: refused before MAIL, the connecting IP is
    /// refused; at MAIL, the sender; "user unknown" after the data, a filter (docomo answers so).
    /// </summary>
    private static Classification ByStage(string? stage, Classification found, int code, string text, string? status)
    {
        if (found.IpBlock || found.Reason is "feedback" or "vacation" or "delivered")
        {
            return found;
        }
        // A specific mailbox status (5.1.x, 5.2.x) is a fact about the recipient, whatever the command.
        var aboutMailbox = status?.Split('.') is [_, "1" or "2", not "0"];
        // Permanent when the reply code or, where the code is not at hand, the status class says so.
        var permanent = code >= 500 || (code == 0 && status?.StartsWith("5.", StringComparison.Ordinal) == true);
        return stage switch
        {
            // Refused before any recipient was named: the connecting IP or its greeting is refused;
            // a temporary system failure at the greeting is the server's own trouble.
            "connect" when !aboutMailbox && (permanent || found.Reason is "undefined" or "rejected" or "userunknown" or "syntaxerror") =>
                new Classification("blocked", true, found.List),
            "mail" when found.Reason is "userunknown" or "hostunknown" or "undefined" or "syntaxerror"
                || (found.Reason is "systemerror" or "networkerror" && permanent)
                || (found.Reason == "policyviolation" && !text.Contains("polic", StringComparison.OrdinalIgnoreCase)) =>
                new Classification("rejected", false, found.List),
            // …unless the status itself says the mailbox does not exist (5.1.1).
            "data" when found.Reason is "userunknown" && status?.StartsWith("5.1.", StringComparison.Ordinal) != true => new Classification("filtered", false, found.List),
            _ => found,
        };
    }

    /// <summary>The SMTP command a reply answered, when the text says ("connect", "mail", "rcpt", "data"), else null.</summary>
    public static string? Stage(string text) => text.Contains("[RCPT_TO]", StringComparison.Ordinal) ? "rcpt"
        : QmailStage().Match(text) is { Success: true } q ? (q.Groups[1].Value.StartsWith("sender", StringComparison.OrdinalIgnoreCase) ? "mail" : "connect")
        : (StagePattern().Match(text) is { Success: true } s1 ? s1 : TranscriptPattern().Match(text)) is { Success: true } m
        ? m.Groups[1].Value.ToLowerInvariant() switch
        {
            var s when s.StartsWith("mail", StringComparison.Ordinal) => "mail",
            var s when s.StartsWith("rcpt", StringComparison.Ordinal) || s.Contains("recipient", StringComparison.Ordinal) => "rcpt",
            var s when s.Contains("data", StringComparison.Ordinal) || s == "text" => "data",
            _ => "connect",
        }
        : null;

    // (GMX and 1&1 say "for RCPT TO command", "for TEXT command": TEXT is the message's content, after DATA;
    // Exim "after pipelined MAIL FROM:".)
    [GeneratedRegex(@"(?:in reply to|after|did not like our|in response to|does not like|for(?=\s+(?:RCPT TO|MAIL FROM|DATA|TEXT)\s+command))\s+(?:the\s+)?(?:pipelined\s+)?(initial connection|connect|EHLO|HELO|greeting|MAIL FROM|MAIL|RCPT TO|RCPT|recipient|end of data|DATA|TEXT)", RegexOptions.IgnoreCase)]
    private static partial Regex StagePattern();

    // qmail's and Postfix's words for the command: "Connected to … but greeting failed", "… but my name was
    // rejected" (HELO), "… but sender was rejected" (MAIL); "host … refused to talk to me" (the greeting).
    [GeneratedRegex(@"but (greeting failed|my name was rejected|sender was rejected)|(refused) to talk to me", RegexOptions.IgnoreCase)]
    private static partial Regex QmailStage();

    // Sendmail's transcript: ">>> RCPT To:<…>" then "<<< 550 …".
    [GeneratedRegex(@">>> (RCPT|MAIL|DATA|EHLO|HELO)\b", RegexOptions.IgnoreCase)]
    private static partial Regex TranscriptPattern();

    private static List<Rule> Compile(IEnumerable<RuleDefinition>? definitions) =>
        definitions?.Select(d => new Rule(d)).ToList() ?? [];

    [GeneratedRegex(@"^[245]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3}\s+)?")]
    private static partial Regex ContinuationPrefix();

    [GeneratedRegex(@"(?<=\s)[245]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3}\s+)?(?=\S)")]
    private static partial Regex InnerCodes();

    [GeneratedRegex(@"^([245]\d\d)[ -]")]
    private static partial Regex ReplyCodePattern();

    [GeneratedRegex(@"""\|[^""\n]*""")]
    private static partial Regex PipeRecipient();

    [GeneratedRegex(@"\b[245]\.\d{1,3}\.\d{1,3}\b")]
    private static partial Regex StatusPattern();

    [GeneratedRegex(@"\b[45]\.\d{1,3}\.\d{1,3}\b")]
    private static partial Regex FailureStatus();

    private sealed class Rule(RuleDefinition definition)
    {
        private readonly Regex[] _patterns = definition.Match?.Select(p => new Regex(p, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Multiline, TimeSpan.FromMilliseconds(200))).ToArray() ?? [];

        public string Reason { get; } = definition.Reason;
        /// <summary>A row of the status table: the status code is its whole condition.</summary>
        public bool IsStatusRow => _patterns.Length == 0 && definition.Status is { Length: > 0 };
        /// <summary>Named evidence (a provider's own code, a named blocklist) may overrule the status subject; generic block words may not.</summary>
        public bool IsEvidence => definition.Evidence || (definition.IpBlock && definition.List is not null);
        public bool Refinable => definition.Refine;
        public bool HasWords => _patterns.Length > 0;
        public bool IpBlock { get; } = definition.IpBlock;
        public string? List { get; } = definition.List;
        public bool AsIs { get; } = definition.AsIs;

        /// <summary>The rule's name when it has one; a status-table row says its status.</summary>
        public string Why(string? status, int? code) =>
            _patterns.Length == 0 && definition.Status is { Length: > 0 } ? $"status {status}"
            : definition.Name is { Length: > 0 } name ? $"rule {name}" + (definition.Status is { Length: > 0 } ? $" with status {status}" : "")
            : _patterns.Length == 0 && definition.Codes is { Length: > 0 } ? $"reply code {code}"
            : $"rule {definition.Reason}: {(definition.Match?.FirstOrDefault() ?? "")}" + (definition.Status is { Length: > 0 } ? $" with status {status}" : "");

        public bool Matches(string? status, int? code, string text)
        {
            if (definition.Status is { Length: > 0 } prefixes
                && (status is null || !prefixes.Any(p => p.EndsWith('.') ? status.StartsWith(p, StringComparison.Ordinal) : status == p)))
            {
                return false;
            }
            if (definition.Codes is { Length: > 0 } codes && (code is null || !codes.Contains(code.Value)))
            {
                return false;
            }
            return _patterns.Length == 0 || _patterns.Any(p => p.IsMatch(text));
        }
    }
}

public sealed record RuleDefinition
{
    [JsonPropertyName("reason")] public required string Reason { get; init; }
    [JsonPropertyName("ip_block")] public bool IpBlock { get; init; }
    [JsonPropertyName("list")] public string? List { get; init; }
    [JsonPropertyName("match")] public string[]? Match { get; init; }
    [JsonPropertyName("status")] public string[]? Status { get; init; }
    [JsonPropertyName("codes")] public int[]? Codes { get; init; }
    [JsonPropertyName("as_is")] public bool AsIs { get; init; }
    /// <summary>A short name for the rule, shown as "why" (e.g. "microsoft-s3150").</summary>
    [JsonPropertyName("name")] public string? Name { get; init; }
    /// <summary>A status-table row the words may refine within the status subject (5.6.x content → spam, virus).</summary>
    [JsonPropertyName("refine")] public bool Refine { get; init; }
    /// <summary>A provider's documented code (S3150, 5.7.515): it may overrule what a specific status's subject allows.</summary>
    [JsonPropertyName("evidence")] public bool Evidence { get; init; }
}

public sealed record RuleSet
{
    [JsonPropertyName("comment")] public string? Comment { get; init; }
    [JsonPropertyName("first")] public List<RuleDefinition> First { get; init; } = [];
    [JsonPropertyName("status")] public List<RuleDefinition> Status { get; init; } = [];
    [JsonPropertyName("after")] public List<RuleDefinition> After { get; init; } = [];
    [JsonPropertyName("fallback")] public List<RuleDefinition> Fallback { get; init; } = [];

    private static readonly JsonSerializerOptions Options = new()
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Parses and checks a rule file: every pattern must compile.</summary>
    public static RuleSet Parse(Stream json)
    {
        var rules = JsonSerializer.Deserialize<RuleSet>(json, Options) ?? throw new JsonException("The rule file is empty.");
        foreach (var rule in rules.First.Concat(rules.Status).Concat(rules.After).Concat(rules.Fallback))
        {
            foreach (var pattern in rule.Match ?? [])
            {
                try
                {
                    _ = new Regex(pattern);
                }
                catch (ArgumentException e)
                {
                    throw new JsonException($"Rule '{rule.Reason}': pattern '{pattern}' is not a regular expression: {e.Message}");
                }
            }
        }
        return rules;
    }
}
