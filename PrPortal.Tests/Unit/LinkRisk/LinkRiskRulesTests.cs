using System.Net;
using PrPortal.Features.LinkRisk;

namespace PrPortal.Tests.Unit.LinkRisk;

[Trait("Category", "Unit")]
public sealed class LinkRiskRulesTests
{
    private static readonly AddressPolicy Production = new(new LinkRiskOptions());

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.0.10", "private")]
    [InlineData("100.100.100.200", "carrier-grade NAT")]
    [InlineData("169.254.169.254", "cloud metadata")]
    [InlineData("0.0.0.0", "this network")]
    [InlineData("224.0.0.251", "multicast")]
    [InlineData("255.255.255.255", "reserved")]
    [InlineData("198.18.0.1", "benchmarking")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("fd00:ec2::254", "unique local")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("::ffff:10.0.0.1", "private")]
    [InlineData("::127.0.0.1", "loopback")]
    [InlineData("2002:c0a8:0101::1", "private")]
    [InlineData("64:ff9b::a9fe:a9fe", "cloud metadata")]
    [InlineData("2001:db8::1", "documentation")]
    public void Inside_and_reserved_addresses_are_refused_with_their_kind(string address, string kind)
    {
        var refusal = Production.Refusal(IPAddress.Parse(address));
        Assert.NotNull(refusal);
        Assert.Contains(kind, refusal);
    }

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("8.8.8.8")]
    [InlineData("2606:2800:220:1:248:1893:25c8:1946")]
    [InlineData("::ffff:93.184.216.34")]
    public void Public_addresses_pass(string address) => Assert.Null(Production.Refusal(IPAddress.Parse(address)));

    [Fact]
    public void Only_the_named_test_range_opens_and_only_web_ports_unless_named()
    {
        var tests = new AddressPolicy(new LinkRiskOptions { AllowedTestRanges = ["127.0.77.0/24"], AllowedPorts = [8080] });
        Assert.Null(tests.Refusal(IPAddress.Parse("127.0.77.9")));
        Assert.NotNull(tests.Refusal(IPAddress.Parse("127.0.78.1")));
        Assert.Null(tests.Refusal(IPAddress.Parse("::ffff:127.0.77.9")));
        Assert.True(tests.PortAllowed(8080));
        Assert.True(Production.PortAllowed(443));
        Assert.False(Production.PortAllowed(8080));
        Assert.False(Production.PortAllowed(22));
        Assert.Throws<FormatException>(() => new AddressPolicy(new LinkRiskOptions { AllowedTestRanges = ["loopback"] }));
    }

    [Theory]
    [InlineData("2130706433", "127.0.0.1")]
    [InlineData("0x7f000001", "127.0.0.1")]
    [InlineData("0177.0.0.1", "127.0.0.1")]
    [InlineData("0x7f.1", "127.0.0.1")]
    [InlineData("127.1", "127.0.0.1")]
    [InlineData("10.0.258", "10.0.1.2")]
    [InlineData("0", "0.0.0.0")]
    [InlineData("192.168.1.1.", "192.168.1.1")]
    public void Numeric_hosts_in_every_notation_are_read_as_browsers_read_them(string host, string expected) =>
        Assert.Equal(IPAddress.Parse(expected), AddressPolicy.ParseLooseIPv4(host));

    [Theory]
    [InlineData("example.com")]
    [InlineData("1.2.3.4.5")]
    [InlineData("256.1.1.1")]
    [InlineData("08.1.1.1")]
    [InlineData("4294967296")]
    public void Names_and_impossible_numbers_are_not_addresses(string host) => Assert.Null(AddressPolicy.ParseLooseIPv4(host));

    [Fact]
    public void Every_kind_of_link_is_found_and_normalised()
    {
        const string html = """
            <html><head><meta http-equiv="Refresh" content="5; url=https://redirect.example.jp/r"></head>
            <body background="https://bg.example.jp/bg.png">
              <a href="https://www.example.co.jp/news?id=1&amp;x=日本">ニュース</a>
              <a href="https://ｅｘａｍｐｌｅ.jp/fullwidth">全角</a>
              <a href="http://例え.jp/パス">日本語ドメイン</a>
              <img src="https://img.example.jp/a.png" srcset="https://img.example.jp/a1.png 1x, https://img.example.jp/a2.png 2x">
              <form action="https://form.example.jp/post"></form>
              <a href="#top">top</a> <a href="mailto:pr@example.jp">mail</a>
              <p>詳細は https://plain.example.jp/detail。または www.plain2.example.jp をご覧ください。</p>
              <a href="https://shown.example.jp/">https://not-this-as-a-link.example.jp/</a>
              <script>var u = "https://in-script.example.jp/";</script>
            </body></html>
            """;

        var links = LinkExtractor.Extract(html);

        var keys = links.Select(l => (l.Source, l.Key)).ToList();
        Assert.Contains(("meta refresh", "https://redirect.example.jp/r"), keys);
        Assert.Contains(("background", "https://bg.example.jp/bg.png"), keys);
        Assert.Contains(("href", "https://www.example.co.jp/news?id=1&x=%E6%97%A5%E6%9C%AC"), keys);
        Assert.Contains(("href", "https://example.jp/fullwidth"), keys);
        Assert.Contains(("href", "http://xn--r8jz45g.jp/%E3%83%91%E3%82%B9"), keys);
        Assert.Contains(("src", "https://img.example.jp/a.png"), keys);
        Assert.Contains(("srcset", "https://img.example.jp/a2.png"), keys);
        Assert.Contains(("action", "https://form.example.jp/post"), keys);
        Assert.Contains(("href", "mailto:pr@example.jp"), keys);
        Assert.Contains(("text", "https://plain.example.jp/detail"), keys);
        Assert.Contains(("text", "http://www.plain2.example.jp/"), keys);
        Assert.DoesNotContain(keys, k => k.Key.Contains("not-this-as-a-link") || k.Key.Contains("in-script") || k.Key.Contains("#top"));
        Assert.Equal("https://not-this-as-a-link.example.jp/", Assert.Single(links, l => l.Key == "https://shown.example.jp/").Text);
    }

    [Theory]
    [InlineData("http://[::1", "not a valid URL")]
    [InlineData("/press/2026", "relative URL")]
    [InlineData("news.html", "relative URL")]
    [InlineData("http://", "not a valid URL")]
    public void Malformed_and_relative_links_say_what_is_wrong(string raw, string error)
    {
        var (uri, message) = LinkExtractor.Normalise(raw);
        Assert.Null(uri);
        Assert.StartsWith(error, message);
    }

    [Theory]
    [InlineData("127.0.1.2", Risk.Danger, "spam domain", false)]
    [InlineData("127.0.1.4", Risk.Danger, "phishing domain", false)]
    [InlineData("127.0.1.103", Risk.Danger, "abused spammed redirector", false)]
    [InlineData("127.0.1.255", Risk.Caution, "an IP address was queried", true)]
    [InlineData("127.255.255.254", Risk.Caution, "public resolver", true)]
    [InlineData("127.255.255.255", Risk.Caution, "too many queries", true)]
    public void Dbl_codes(string code, Risk level, string meaning, bool error) =>
        AssertCode(UriBlocklistKind.Dbl, code, level, meaning, error);

    [Theory]
    [InlineData("127.0.0.8", Risk.Danger, "PH phishing", false)]
    [InlineData("127.0.0.80", Risk.Danger, "MW malware, ABUSE spam", false)]
    [InlineData("127.0.0.32", Risk.Caution, "CT click tracker", false)]
    [InlineData("127.0.0.1", Risk.Caution, "no list bit set", true)]
    public void Surbl_bitmask(string code, Risk level, string meaning, bool error) =>
        AssertCode(UriBlocklistKind.Surbl, code, level, meaning, error);

    [Theory]
    [InlineData("127.0.0.2", Risk.Danger, "black", false)]
    [InlineData("127.0.0.4", Risk.Caution, "grey", false)]
    [InlineData("127.0.0.12", Risk.Caution, "grey, red", false)]
    [InlineData("127.0.0.1", Risk.Caution, "query refused", true)]
    [InlineData("10.0.0.2", Risk.Caution, "not a blocklist answer", true)]
    public void Uribl_bitmask_and_refusal(string code, Risk level, string meaning, bool error) =>
        AssertCode(UriBlocklistKind.Uribl, code, level, meaning, error);

    private static void AssertCode(UriBlocklistKind kind, string code, Risk level, string meaning, bool error)
    {
        var listing = UriBlocklistCodes.Read(new UriBlocklistZone("zone.example", kind), "example.jp", IPAddress.Parse(code));
        Assert.NotNull(listing);
        Assert.Equal(level, listing.Level);
        Assert.Contains(meaning, listing.Meaning);
        Assert.Equal(error, listing.IsError);
    }

    [Theory]
    [InlineData("xn--80ak6aa92e.com", true)]   // аррӏе in Cyrillic
    [InlineData("xn--pypal-4ve.com", true)]    // pаypal with a Cyrillic а
    [InlineData("xn--r8jz45g.jp", false)]      // 例え.jp
    [InlineData("xn--eckwd4c7c.xn--zckzah", false)] // テスト: Japanese only
    [InlineData("example.com", false)]
    public void Look_alike_names_mixing_or_imitating_latin_are_caught(string host, bool lookalike) =>
        Assert.Equal(lookalike, HostChecks.Lookalike(host) is not null);

    [Fact]
    public void Shorteners_come_from_the_list_and_configuration_and_match_subdomains()
    {
        var checks = new HostChecks(["go.example-short.jp"]);
        Assert.Equal("bit.ly", checks.Shortener("bit.ly"));
        Assert.Equal("tinyurl.com", checks.Shortener("preview.tinyurl.com"));
        Assert.Equal("go.example-short.jp", checks.Shortener("go.example-short.jp"));
        Assert.Null(checks.Shortener("www.example.co.jp"));
        Assert.True(checks.ShortenerCount >= 40);
    }

    [Fact]
    public void Redirects_in_pages_meta_refresh_anywhere_script_only_on_small_pages()
    {
        Assert.Equal(("/next", "meta refresh"), LinkFollower.PageRedirect("<meta http-equiv='refresh' content='0;URL=/next'>", smallPage: false));
        Assert.Equal(("https://x.example/", "script location"), LinkFollower.PageRedirect("<script>document.location = 'https://x.example/'</script>", smallPage: true));
        Assert.Equal(("/b", "script location"), LinkFollower.PageRedirect("<script>window.location.assign(\"/b\")</script>", smallPage: true));
        Assert.Null(LinkFollower.PageRedirect("<script>document.location = 'https://x.example/'</script>", smallPage: false));
        Assert.Null(LinkFollower.PageRedirect("<meta http-equiv='refresh' content='30'>", smallPage: true));
    }
}
