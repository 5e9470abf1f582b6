namespace PrPortal.Features.LinkRisk;

public enum UriBlocklistKind
{
    /// <summary>Spamhaus DBL: 127.0.1.x is a listing; 127.0.1.255 and 127.255.255.x are errors.</summary>
    Dbl,
    /// <summary>SURBL multi: the last octet is a bitmask of its sub-lists.</summary>
    Surbl,
    /// <summary>URIBL multi: the last octet is a bitmask; 127.0.0.1 means the query was refused.</summary>
    Uribl,
}

public sealed record UriBlocklistZone(string Zone, UriBlocklistKind Kind);

/// <summary>Section "LinkRisk".</summary>
public sealed record LinkRiskOptions
{
    /// <summary>The check of one release never takes longer than this; links left over are reported as not finished.</summary>
    public double TotalSeconds { get; init; } = 20;
    /// <summary>One request (connect, headers and the body read) may take this long.</summary>
    public double HopSeconds { get; init; } = 5;
    public int MaxHops { get; init; } = 10;
    /// <summary>A redirect chain longer than this many hops is worth a caution.</summary>
    public int LongChainHops { get; init; } = 3;
    /// <summary>At most this much of a page is read (meta refresh and script redirects are looked for in it).</summary>
    public int MaxBodyBytes { get; init; } = 256 * 1024;
    /// <summary>Script redirects (location=…) count only on pages up to this size: a small page that only forwards.</summary>
    public int SmallPageBytes { get; init; } = 16 * 1024;
    public int MaxConcurrency { get; init; } = 16;
    /// <summary>Distinct links followed per release; the rest are reported, not followed.</summary>
    public int MaxLinks { get; init; } = 20_000;
    /// <summary>The largest release HTML the page and the API take.</summary>
    public int MaxHtmlBytes { get; init; } = 10 * 1024 * 1024;
    /// <summary>Ports allowed besides 80 and 443.</summary>
    public int[] AllowedPorts { get; init; } = [];
    /// <summary>
    /// CIDR ranges that may be fetched although they are loopback or private: the sandbox's and the tests'
    /// web world. Empty in production.
    /// </summary>
    public string[] AllowedTestRanges { get; init; } = [];
    /// <summary>Empty means Spamhaus DBL, SURBL multi and URIBL multi.</summary>
    public UriBlocklistZone[] UriBlocklists { get; init; } = [];
    /// <summary>Shortener domains besides the built-in list.</summary>
    public string[] ExtraShorteners { get; init; } = [];
    public string UserAgent { get; init; } = "PrPortal-LinkCheck/1.0 (+release link check)";

    public static readonly UriBlocklistZone[] DefaultBlocklists =
    [
        new("dbl.spamhaus.org", UriBlocklistKind.Dbl),
        new("multi.surbl.org", UriBlocklistKind.Surbl),
        new("multi.uribl.com", UriBlocklistKind.Uribl),
    ];

    public IReadOnlyList<UriBlocklistZone> Blocklists() => UriBlocklists.Length == 0 ? DefaultBlocklists : UriBlocklists;
}
