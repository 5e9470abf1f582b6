namespace PrPortal.Features.SenderAuth;

/// <summary>Section "SenderAuth".</summary>
public sealed record SenderAuthOptions : Hosting.IValidatedOptions
{
    /// <summary>The SPF record of ours a customer includes: "include:&lt;this&gt;" authorises every sending IP.</summary>
    public string SpfInclude { get; init; } = "_spf.prportal.example";
    /// <summary>DKIM selectors are this plus the year and month the key was made (prp202611).</summary>
    public string SelectorPrefix { get; init; } = "prp";
    /// <summary>The From a release goes out with when the company's own domain is not (or no longer) verified.</summary>
    public string ServiceFrom { get; init; } = "release@" + Delivery.ReleaseMessage.SenderDomain;
    /// <summary>How long the delivery engine trusts its copy of the domains' status before reading it again.</summary>
    public int GateRefreshSeconds { get; init; } = 30;

    public IEnumerable<(string Key, string Problem)> Validate()
    {
        if (!MimeKit.MailboxAddress.TryParse(ServiceFrom, out var from) || !from.Address.Contains('@') || from.Address != ServiceFrom.Trim())
        {
            yield return (nameof(ServiceFrom), $"is not a mail address: '{ServiceFrom}'");
        }
        if (string.IsNullOrWhiteSpace(SpfInclude) || SpfInclude.Any(char.IsWhiteSpace))
        {
            yield return (nameof(SpfInclude), $"must be a domain name: '{SpfInclude}'");
        }
        if (string.IsNullOrWhiteSpace(SelectorPrefix) || !SelectorPrefix.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            yield return (nameof(SelectorPrefix), $"must be letters, digits or '-': '{SelectorPrefix}'");
        }
        if (GateRefreshSeconds is < 1 or > 3600)
        {
            yield return (nameof(GateRefreshSeconds), $"must be 1 to 3600 seconds (is {GateRefreshSeconds})");
        }
    }
}
