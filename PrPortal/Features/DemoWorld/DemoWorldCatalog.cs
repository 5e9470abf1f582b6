using PrPortal.Features.Providers;

namespace PrPortal.Features.DemoWorld;

/// <summary>
/// The demo world's vocabulary: recipient domains per provider (real consumer domains, fictional
/// company domains under example.* names), their MX hosts and the replies each provider gives.
/// </summary>
internal static class DemoWorldCatalog
{
    public sealed record DomainInfo(string Domain, string ProviderId, string MxHost);

    private static readonly string[] CompanyStems =
    [
        "sakura", "aoba", "hikari", "midori", "kaede", "tsubasa", "hoshi", "umi", "yamato", "asahi",
        "kirin", "suzuran", "mirai", "nagomi", "kotobuki", "hinode", "tsukushi", "izumi", "akane", "sora",
    ];

    private static readonly string[] CompanyKinds = ["tech", "foods", "pharma", "design", "motors", "books", "games", "energy", "bank", "works"];

    private static readonly string[] CompanyNameJa =
    [
        "さくら", "あおば", "ひかり", "みどり", "かえで", "つばさ", "ほし", "うみ", "やまと", "あさひ",
        "きりん", "すずらん", "みらい", "なごみ", "ことぶき", "ひので", "つくし", "いずみ", "あかね", "そら",
    ];

    private static readonly string[] CompanyKindJa = ["テック", "フーズ", "製薬", "デザイン", "モーターズ", "出版", "ゲームス", "エナジー", "銀行", "工業"];

    public static string CompanySlug(int index) =>
        $"{CompanyStems[index % CompanyStems.Length]}-{CompanyKinds[index / CompanyStems.Length % CompanyKinds.Length]}{(index >= 200 ? index / 200 : "")}";

    public static string CompanyName(int index) =>
        $"株式会社{CompanyNameJa[index % CompanyNameJa.Length]}{CompanyKindJa[index / CompanyNameJa.Length % CompanyKindJa.Length]}{(index >= 200 ? (index / 200).ToString() : "")}";

    public static readonly string[] Products =
    [
        "新サービス", "新製品", "業務提携", "資金調達", "イベント開催", "調査レポート", "アプリ提供開始", "キャンペーン",
        "新店舗オープン", "決算発表", "人事異動", "共同研究",
    ];

    public static readonly string[] AccountManagers =
    [
        "佐藤 美咲", "鈴木 健太", "高橋 彩", "田中 翔", "伊藤 結衣", "渡辺 大輔", "山本 陽菜", "中村 蓮",
    ];

    /// <summary>How a demo company's DNS is set up for its own From; the sandbox publishes accordingly.</summary>
    public enum SenderDnsSetup
    {
        /// <summary>SPF includes ours, our DKIM key is published, DMARC p=reject aligns.</summary>
        Complete,
        /// <summary>SPF and DKIM right, no DMARC record.</summary>
        CompleteWithoutDmarc,
        /// <summary>SPF lists the primary IPs one by one and forgot the spares.</summary>
        SpfWithoutSpares,
        /// <summary>Our DKIM key was never published; DMARC p=quarantine.</summary>
        DkimNotPublished,
        /// <summary>The DKIM record was revoked (empty p=).</summary>
        DkimRevoked,
    }

    /// <summary>The first five demo companies registered their own From domain, in five states of DNS.</summary>
    public static readonly IReadOnlyList<(int CompanyIndex, SenderDnsSetup Setup)> SenderDomains =
    [
        (0, SenderDnsSetup.Complete),
        (1, SenderDnsSetup.SpfWithoutSpares),
        (2, SenderDnsSetup.DkimNotPublished),
        (3, SenderDnsSetup.CompleteWithoutDmarc),
        (4, SenderDnsSetup.DkimRevoked),
    ];

    /// <summary>
    /// Companies with a registered domain send with their own From, and so does every fifth other company,
    /// unregistered, as before the incident.
    /// </summary>
    /// <summary>Companies in the demo world at scale 1.</summary>
    public const int CompanyCount = 200;

    public static bool SendsOwnFrom(int index) => index < SenderDomains.Count || index % 5 == 4;

    /// <summary>The domain of a demo company's own From (its contact address's domain).</summary>
    public static string CompanyDomain(int index) => $"{CompanySlug(index)}.example.co.jp";

    /// <summary>Recipient domains of each provider; company and media domains are fictional.</summary>
    public static IReadOnlyDictionary<string, DomainInfo[]> DomainsByProvider()
    {
        static DomainInfo[] Fixed(string provider, params (string Domain, string Mx)[] items) =>
            items.Select(i => new DomainInfo(i.Domain, provider, i.Mx)).ToArray();

        var media = Enumerable.Range(0, 40).Select(i => $"{CompanyStems[i % 20]}-{(i < 20 ? "shimbun" : "media")}.example.co.jp").ToArray();
        var workspace = Enumerable.Range(0, 20).Select(i => $"{CompanyStems[i]}-press.example.jp").ToArray();
        var other = Enumerable.Range(0, 300).Select(i => $"{CompanyStems[i % 20]}{i / 20}-{CompanyKinds[i % 10]}.example.{(i % 3 == 0 ? "com" : "jp")}").ToArray();

        return new Dictionary<string, DomainInfo[]>
        {
            [MailboxProviderCatalog.MicrosoftConsumer] = Fixed(MailboxProviderCatalog.MicrosoftConsumer,
                ("outlook.jp", "outlook-jp.olc.protection.outlook.com"),
                ("hotmail.co.jp", "hotmail-co-jp.olc.protection.outlook.com"),
                ("outlook.com", "outlook-com.olc.protection.outlook.com"),
                ("hotmail.com", "hotmail-com.olc.protection.outlook.com"),
                ("live.jp", "live-jp.olc.protection.outlook.com"),
                ("msn.com", "msn-com.olc.protection.outlook.com")),
            // Company and media domains whose mail Microsoft 365 hosts: known only by their MX.
            [MailboxProviderCatalog.Microsoft365] = media
                .Select(d => new DomainInfo(d, MailboxProviderCatalog.Microsoft365, d.Replace('.', '-') + ".mail.protection.outlook.com"))
                .ToArray(),
            [MailboxProviderCatalog.Google] = Fixed(MailboxProviderCatalog.Google, ("gmail.com", "gmail-smtp-in.l.google.com"))
                .Concat(workspace.Select(d => new DomainInfo(d, MailboxProviderCatalog.Google, "aspmx.l.google.com")))
                .ToArray(),
            [MailboxProviderCatalog.YahooJapan] = Fixed(MailboxProviderCatalog.YahooJapan,
                ("yahoo.co.jp", "mx1.mail.yahoo.co.jp"), ("ymail.ne.jp", "mx2.mail.yahoo.co.jp")),
            [MailboxProviderCatalog.Docomo] = Fixed(MailboxProviderCatalog.Docomo, ("docomo.ne.jp", "mfsmax.docomo.ne.jp")),
            [MailboxProviderCatalog.Kddi] = Fixed(MailboxProviderCatalog.Kddi, ("ezweb.ne.jp", "lsean.ezweb.ne.jp"), ("au.com", "lsean.ezweb.ne.jp")),
            [MailboxProviderCatalog.SoftBank] = Fixed(MailboxProviderCatalog.SoftBank, ("i.softbank.jp", "mx.i.softbank.jp"), ("softbank.ne.jp", "mx.softbank.ne.jp")),
            [MailboxProviderCatalog.ICloud] = Fixed(MailboxProviderCatalog.ICloud, ("icloud.com", "mx01.mail.icloud.com"), ("me.com", "mx02.mail.icloud.com")),
            [MailboxProviderCatalog.Other] = other.Select(d => new DomainInfo(d, MailboxProviderCatalog.Other, "mx." + d)).ToArray(),
        };
    }

    public static (int Code, string Status, string Text) Accepted(string providerId, Random random) => providerId switch
    {
        MailboxProviderCatalog.MicrosoftConsumer or MailboxProviderCatalog.Microsoft365 =>
            (250, "2.6.0", $"250 2.6.0 <{random.NextInt64():x}@mail.prportal.example> [InternalId={random.NextInt64(1_000_000_000_000, 9_999_999_999_999)}] Queued mail for delivery"),
        MailboxProviderCatalog.Google =>
            (250, "2.0.0", $"250 2.0.0 OK  {random.Next(1_700_000_000, 1_800_000_000)} {random.NextInt64():x}.{random.Next(100, 999)} - gsmtp"),
        _ => (250, "2.0.0", $"250 2.0.0 Ok: queued as {random.NextInt64():X}"),
    };

    public static (int Code, string Status, string Text) UserUnknown(string providerId, string email) => providerId switch
    {
        MailboxProviderCatalog.Google => (550, "5.1.1", $"550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. For more information, go to https://support.google.com/mail/?p=NoSuchUser - gsmtp"),
        MailboxProviderCatalog.MicrosoftConsumer or MailboxProviderCatalog.Microsoft365 => (550, "5.5.0", "550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). [TYZP286MB0000.JPNP286.PROD.OUTLOOK.COM]"),
        MailboxProviderCatalog.Docomo => (550, "5.1.1", $"550 Unknown user {email}"),
        _ => (550, "5.1.1", $"550 5.1.1 <{email}>: Recipient address rejected: User unknown in virtual mailbox table"),
    };

    public static (int Code, string Status, string Text) MailboxFull(string providerId) => providerId switch
    {
        MailboxProviderCatalog.Google => (552, "5.2.2", "552-5.2.2 The recipient's inbox is out of storage space. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm - gsmtp"),
        _ => (552, "5.2.2", "552 5.2.2 Mailbox full"),
    };

    public const string NetworkError = "421 4.4.2 Connection timed out while waiting for the server greeting";
}
