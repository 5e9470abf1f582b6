namespace PrPortal.Features.Providers;

/// <summary>
/// Maps a recipient domain to its mailbox provider by the MX hosts that receive its mail, not by its
/// name: a company domain hosted on Microsoft 365 is microsoft-365. Well-known consumer domains are
/// known without a lookup.
/// </summary>
public static class ProviderClassifier
{
    public const string Unknown = MailboxProviderCatalog.Unknown;

    public static readonly IReadOnlyDictionary<string, string> KnownDomains = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["outlook.com"] = MailboxProviderCatalog.MicrosoftConsumer,
        ["outlook.jp"] = MailboxProviderCatalog.MicrosoftConsumer,
        ["hotmail.com"] = MailboxProviderCatalog.MicrosoftConsumer,
        ["hotmail.co.jp"] = MailboxProviderCatalog.MicrosoftConsumer,
        ["live.com"] = MailboxProviderCatalog.MicrosoftConsumer,
        ["live.jp"] = MailboxProviderCatalog.MicrosoftConsumer,
        ["msn.com"] = MailboxProviderCatalog.MicrosoftConsumer,
        ["gmail.com"] = MailboxProviderCatalog.Google,
        ["googlemail.com"] = MailboxProviderCatalog.Google,
        ["yahoo.co.jp"] = MailboxProviderCatalog.YahooJapan,
        ["ymail.ne.jp"] = MailboxProviderCatalog.YahooJapan,
        ["yahoo.com"] = MailboxProviderCatalog.Yahoo,
        ["docomo.ne.jp"] = MailboxProviderCatalog.Docomo,
        ["ezweb.ne.jp"] = MailboxProviderCatalog.Kddi,
        ["au.com"] = MailboxProviderCatalog.Kddi,
        ["i.softbank.jp"] = MailboxProviderCatalog.SoftBank,
        ["softbank.ne.jp"] = MailboxProviderCatalog.SoftBank,
        ["icloud.com"] = MailboxProviderCatalog.ICloud,
        ["me.com"] = MailboxProviderCatalog.ICloud,
        ["mac.com"] = MailboxProviderCatalog.ICloud,
    };

    private static readonly (string Suffix, string Provider)[] Suffixes = MailboxProviderCatalog.All
        .SelectMany(p => p.MxSuffixes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => (s, p.Id)))
        .OrderByDescending(x => x.s.Length) // ".olc.protection.outlook.com" before ".protection.outlook.com"
        .ToArray();

    public static string? Known(string domain) =>
        KnownDomains.TryGetValue(domain.Trim().TrimEnd('.'), out var provider) ? provider : null;

    /// <summary>The provider of the most preferred MX host that belongs to a known provider; "other" if none does.</summary>
    public static string FromMx(IEnumerable<string> mxHostsInPreferenceOrder)
    {
        foreach (var host in mxHostsInPreferenceOrder)
        {
            var name = "." + host.Trim().TrimEnd('.').ToLowerInvariant();
            foreach (var (suffix, provider) in Suffixes)
            {
                if (name.EndsWith(suffix, StringComparison.Ordinal))
                {
                    return provider;
                }
            }
        }
        return MailboxProviderCatalog.Other;
    }
}
