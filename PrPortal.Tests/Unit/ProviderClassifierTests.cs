using PrPortal.Features.Providers;

namespace PrPortal.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class ProviderClassifierTests
{
    [Theory]
    [InlineData("hotmail-co-jp.olc.protection.outlook.com", MailboxProviderCatalog.MicrosoftConsumer)]
    [InlineData("outlook-com.olc.protection.outlook.com.", MailboxProviderCatalog.MicrosoftConsumer)]
    [InlineData("contoso-co-jp.mail.protection.outlook.com", MailboxProviderCatalog.Microsoft365)]
    [InlineData("CONTOSO-COM.MAIL.PROTECTION.OUTLOOK.COM", MailboxProviderCatalog.Microsoft365)]
    [InlineData("contoso-com.s-v1.mx.microsoft", MailboxProviderCatalog.Microsoft365)]
    [InlineData("agency-gov.mail.protection.office365.us", MailboxProviderCatalog.Microsoft365)]
    [InlineData("gmail-smtp-in.l.google.com", MailboxProviderCatalog.Google)]
    [InlineData("aspmx.l.google.com", MailboxProviderCatalog.Google)]
    [InlineData("alt2.aspmx.l.googlemail.com", MailboxProviderCatalog.Google)]
    [InlineData("mx1.mail.yahoo.co.jp", MailboxProviderCatalog.YahooJapan)]
    [InlineData("mta7.am0.yahoodns.net", MailboxProviderCatalog.Yahoo)]
    [InlineData("mfsmax.docomo.ne.jp", MailboxProviderCatalog.Docomo)]
    [InlineData("lsean.ezweb.ne.jp", MailboxProviderCatalog.Kddi)]
    [InlineData("mx.i.softbank.jp", MailboxProviderCatalog.SoftBank)]
    [InlineData("mx01.mail.icloud.com", MailboxProviderCatalog.ICloud)]
    [InlineData("mx.example.co.jp", MailboxProviderCatalog.Other)]
    // Look-alikes are not the provider: only a real suffix counts.
    [InlineData("mail.protection.outlook.com.evil.example", MailboxProviderCatalog.Other)]
    [InlineData("fakegoogle.com", MailboxProviderCatalog.Other)]
    public void Mx_host_names_decide_the_provider(string mx, string provider)
    {
        Assert.Equal(provider, ProviderClassifier.FromMx([mx]));
    }

    [Fact]
    public void The_most_preferred_known_mx_wins_over_a_filtering_gateway_listed_later()
    {
        Assert.Equal(MailboxProviderCatalog.Microsoft365,
            ProviderClassifier.FromMx(["tenant-co-jp.mail.protection.outlook.com", "backup.example.net"]));
        Assert.Equal(MailboxProviderCatalog.Google,
            ProviderClassifier.FromMx(["mx.unknown-gateway.example", "aspmx.l.google.com"]));
    }

    [Theory]
    [InlineData("hotmail.co.jp", MailboxProviderCatalog.MicrosoftConsumer)]
    [InlineData("Outlook.JP", MailboxProviderCatalog.MicrosoftConsumer)]
    [InlineData("msn.com", MailboxProviderCatalog.MicrosoftConsumer)]
    [InlineData("gmail.com", MailboxProviderCatalog.Google)]
    [InlineData("yahoo.co.jp", MailboxProviderCatalog.YahooJapan)]
    [InlineData("docomo.ne.jp", MailboxProviderCatalog.Docomo)]
    [InlineData("au.com", MailboxProviderCatalog.Kddi)]
    [InlineData("i.softbank.jp", MailboxProviderCatalog.SoftBank)]
    [InlineData("icloud.com", MailboxProviderCatalog.ICloud)]
    public void Well_known_consumer_domains_need_no_lookup(string domain, string provider)
    {
        Assert.Equal(provider, ProviderClassifier.Known(domain));
    }

    [Fact]
    public void A_company_domain_is_not_known_by_name()
    {
        Assert.Null(ProviderClassifier.Known("contoso.co.jp"));
    }
}
