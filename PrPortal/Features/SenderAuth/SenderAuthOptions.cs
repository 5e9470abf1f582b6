namespace PrPortal.Features.SenderAuth;

/// <summary>Section "SenderAuth".</summary>
public sealed record SenderAuthOptions
{
    /// <summary>The SPF record of ours a customer includes: "include:&lt;this&gt;" authorises every sending IP.</summary>
    public string SpfInclude { get; init; } = "_spf.prportal.example";
    /// <summary>DKIM selectors are this plus the year and month the key was made (prp202611).</summary>
    public string SelectorPrefix { get; init; } = "prp";
    /// <summary>The From a release goes out with when the company's own domain is not (or no longer) verified.</summary>
    public string ServiceFrom { get; init; } = "release@" + Delivery.ReleaseMessage.SenderDomain;
    /// <summary>How long the delivery engine trusts its copy of the domains' status before reading it again.</summary>
    public int GateRefreshSeconds { get; init; } = 30;
}
