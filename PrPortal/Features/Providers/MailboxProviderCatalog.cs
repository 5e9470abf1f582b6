using PrPortal.Data.Entities;

namespace PrPortal.Features.Providers;

/// <summary>The mailbox providers PrPortal knows; a recipient domain maps to one by its MX hosts.</summary>
public static class MailboxProviderCatalog
{
    public const string MicrosoftConsumer = "microsoft-consumer";
    public const string Microsoft365 = "microsoft-365";
    public const string Google = "google";
    public const string YahooJapan = "yahoo-jp";
    public const string Yahoo = "yahoo";
    public const string Docomo = "docomo";
    public const string Kddi = "kddi";
    public const string SoftBank = "softbank";
    public const string ICloud = "icloud";
    public const string Other = "other";
    /// <summary>DNS could not say (lookup failed, domain missing, address invalid): never guessed as "other".</summary>
    public const string Unknown = "unknown";

    /// <summary>The provider's name in the UI language; an unknown id is shown as it is.</summary>
    /// <summary>A name for narrow columns (the grid): Microsoft's two services by what sets them apart.</summary>
    public static string ShortName(string id) => id switch
    {
        MicrosoftConsumer => "Outlook.com",
        Microsoft365 => "M365",
        _ => DisplayName(id),
    };

    /// <summary>The provider's name whatever the reader's language (for texts stored once and read by many).</summary>
    public static string InvariantName(string id) => All.FirstOrDefault(p => p.Id == id)?.Name ?? id;

    public static string DisplayName(string id) =>
        All.FirstOrDefault(p => p.Id == id) is { } provider
            ? (System.Globalization.CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "ja" ? provider.NameJa : provider.Name)
            : id;

    public static readonly IReadOnlyList<MailboxProvider> All =
    [
        new() { Id = MicrosoftConsumer, Name = "Microsoft (Outlook.com)", NameJa = "Microsoft（Outlook.com）", MxSuffixes = ".olc.protection.outlook.com", SortOrder = 1 },
        new() { Id = Microsoft365, Name = "Microsoft 365", NameJa = "Microsoft 365", MxSuffixes = ".mail.protection.outlook.com .mx.microsoft .mail.protection.office365.us", SortOrder = 2 },
        new() { Id = Google, Name = "Google", NameJa = "Google", MxSuffixes = ".google.com .googlemail.com", SortOrder = 3 },
        new() { Id = YahooJapan, Name = "Yahoo! JAPAN", NameJa = "Yahoo! JAPAN", MxSuffixes = ".mail.yahoo.co.jp", SortOrder = 4 },
        new() { Id = Yahoo, Name = "Yahoo", NameJa = "Yahoo", MxSuffixes = ".yahoodns.net", SortOrder = 5 },
        new() { Id = Docomo, Name = "docomo", NameJa = "ドコモ", MxSuffixes = ".docomo.ne.jp", SortOrder = 6 },
        new() { Id = Kddi, Name = "au (KDDI)", NameJa = "au（KDDI）", MxSuffixes = ".ezweb.ne.jp .au.com", SortOrder = 7 },
        new() { Id = SoftBank, Name = "SoftBank", NameJa = "ソフトバンク", MxSuffixes = ".softbank.jp .softbank.ne.jp", SortOrder = 8 },
        new() { Id = ICloud, Name = "iCloud", NameJa = "iCloud", MxSuffixes = ".mail.icloud.com", SortOrder = 9 },
        new() { Id = Other, Name = "Other", NameJa = "その他", MxSuffixes = "", SortOrder = 10 },
        new() { Id = Unknown, Name = "Unknown", NameJa = "不明", MxSuffixes = "", SortOrder = 99 },
    ];
}
