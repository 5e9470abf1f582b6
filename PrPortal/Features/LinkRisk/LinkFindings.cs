using System.Text.Json.Serialization;

namespace PrPortal.Features.LinkRisk;

[JsonConverter(typeof(JsonStringEnumConverter<Risk>))]
public enum Risk
{
    Ok,
    Caution,
    Danger,
}

/// <summary>Why a link is risky. Codes are stable (the page translates them); the detail names the host, list or code.</summary>
public sealed record LinkReason(string Code, Risk Level, string Detail)
{
    /// <summary>The detail as a resource key with its arguments (an encoded <see cref="Infrastructure.Text.LocalText"/>): the page shows it in the reader's language.</summary>
    public string? Words { get; init; }

    /// <summary>A reason whose detail is a sentence from the resources; <see cref="Detail"/> is its English, for the verb and the API.</summary>
    public static LinkReason Say(string code, Risk level, Infrastructure.Text.LocalText words)
    {
        var encoded = words.Encode();
        return new(code, level, Infrastructure.Text.LocalText.Plain(encoded)) { Words = encoded };
    }

    public override string ToString() => $"{Code}: {Detail}";
}

public static class ReasonCodes
{
    public const string Malformed = "malformed";
    public const string Scheme = "scheme";
    public const string Relative = "relative";
    public const string Refused = "refused_address";
    public const string Port = "port";
    public const string IpLiteral = "ip_literal";
    public const string Shortener = "shortener";
    public const string Lookalike = "lookalike";
    public const string Punycode = "punycode";
    public const string LongChain = "long_chain";
    public const string TooManyHops = "too_many_hops";
    public const string Loop = "redirect_loop";
    public const string Listed = "blocklisted";
    public const string BlocklistError = "blocklist_error";
    public const string TextMismatch = "text_mismatch";
    public const string Executable = "executable";
    public const string NoHost = "no_such_host";
    public const string DnsError = "dns_error";
    public const string HttpError = "http_error";
    public const string Tls = "tls_error";
    public const string Timeout = "timeout";
    public const string Connection = "connection_failed";
    public const string TimeLimit = "time_limit";
    public const string NotChecked = "not_checked";
}

/// <summary>One request of a chain: the URL, the status it answered (null when no answer), and what happened.</summary>
public sealed record Hop(string Url, int? Status, string? Note = null);

public sealed record LinkResult(
    string Url,
    string? FinalUrl,
    IReadOnlyList<Hop> Hops,
    Risk Risk,
    IReadOnlyList<LinkReason> Reasons,
    string Source,
    string? Text,
    int Count);

public sealed record LinkCheckReport(IReadOnlyList<LinkResult> Links, double Seconds, int Extracted, bool TimeLimitReached)
{
    public int Count(Risk risk) => Links.Count(l => l.Risk == risk);
    public Risk Worst => Links.Count == 0 ? Risk.Ok : Links.Max(l => l.Risk);

    /// <summary>The JSON the verb prints and the API returns.</summary>
    public object ToContract() => new
    {
        links = Links.Select(l => new
        {
            url = l.Url,
            final_url = l.FinalUrl,
            hops = l.Hops.Select(h => new { url = h.Url, status = h.Status, note = h.Note }),
            risk = l.Risk.ToString().ToLowerInvariant(),
            reasons = l.Reasons.Select(r => r.ToString()),
            source = l.Source,
            count = l.Count,
        }),
        seconds = Math.Round(Seconds, 3),
        extracted = Extracted,
        time_limit_reached = TimeLimitReached,
    };
}
