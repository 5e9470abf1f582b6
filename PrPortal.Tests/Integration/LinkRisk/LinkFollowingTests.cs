using System.Net;
using PrPortal.Features.LinkRisk;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.LinkRisk;

/// <summary>Links in release HTML followed over real sockets through the loopback web world, checked against the sandbox's URI blocklists.</summary>
[Trait("Category", "Integration")]
public sealed class LinkFollowingTests(LinkWorldFixture world) : IClassFixture<LinkWorldFixture>
{
    private static string Anchor(string url, string text = "詳しくはこちら") => $"<a href=\"{WebUtility.HtmlEncode(url)}\">{text}</a>";

    private async Task<LinkResult> CheckOneAsync(string html, LinkRiskOptions? options = null)
    {
        var report = await world.Checker(options).CheckAsync($"<html><body>{html}</body></html>", null, CancellationToken.None);
        return Assert.Single(report.Links);
    }

    [Fact]
    public async Task A_shortener_is_followed_through_a_tracking_redirect_to_the_page_with_every_status()
    {
        world.Host("bit.ly");
        world.Host("click.tracker-news.jp");
        world.Host("www.example-corp.co.jp");
        world.Web.Redirect("bit.ly", "/3xYz", world.Web.Url("click.tracker-news.jp", "/c?u=1"), 301);
        world.Web.Redirect("click.tracker-news.jp", "/c", world.Web.Url("www.example-corp.co.jp", "/news/2026/release.html"), 302);
        world.Web.Page("www.example-corp.co.jp", "/news/2026/release.html", "<html><body>release</body></html>");

        var link = await CheckOneAsync(Anchor(world.Web.Url("bit.ly", "/3xYz")));

        Assert.Equal([301, 302, 200], link.Hops.Select(h => h.Status ?? 0));
        Assert.Equal(world.Web.Url("www.example-corp.co.jp", "/news/2026/release.html"), link.FinalUrl);
        Assert.Equal(Risk.Caution, link.Risk);
        var shortener = Assert.Single(link.Reasons, r => r.Code == ReasonCodes.Shortener);
        Assert.Contains("www.example-corp.co.jp", shortener.Detail);
    }

    [Fact]
    public async Task Relative_locations_303_307_308_meta_refresh_and_script_location_are_all_followed()
    {
        world.Host("chain.example-pr.jp");
        world.Web.Redirect("chain.example-pr.jp", "/a", "/b", 303);
        world.Web.Redirect("chain.example-pr.jp", "/b", "c", 307);
        world.Web.Redirect("chain.example-pr.jp", "/c", world.Web.Url("chain.example-pr.jp", "/meta"), 308);
        world.Web.Page("chain.example-pr.jp", "/meta", "<html><head><meta http-equiv=\"refresh\" content=\"0; URL='/script'\"></head></html>");
        world.Web.Page("chain.example-pr.jp", "/script", "<html><script>window.location.href = \"/end\";</script></html>", refuseHead: true);
        world.Web.Page("chain.example-pr.jp", "/end", "<html><body>the page</body></html>");

        var link = await CheckOneAsync(Anchor(world.Web.Url("chain.example-pr.jp", "/a")));

        Assert.Equal(["/a", "/b", "/c", "/meta", "/script", "/end"], link.Hops.Select(h => new Uri(h.Url).AbsolutePath));
        Assert.Equal([303, 307, 308, 200, 200, 200], link.Hops.Select(h => h.Status ?? 0));
        Assert.Equal(["meta refresh", "script location"], link.Hops.Where(h => h.Note is not null).Select(h => h.Note!));
        Assert.Contains(link.Reasons, r => r.Code == ReasonCodes.LongChain && r.Detail.StartsWith("5 redirects", StringComparison.Ordinal));
        Assert.Equal(Risk.Caution, link.Risk);
        // HEAD refused with 405 on /script: the GET after it found the script.
        Assert.Contains("GET chain.example-pr.jp/script", world.Web.Log);
    }

    [Fact]
    public async Task A_loop_and_a_chain_of_more_than_ten_hops_are_danger_and_stop()
    {
        world.Host("loop.example-pr.jp");
        world.Web.Redirect("loop.example-pr.jp", "/one", "/two");
        world.Web.Redirect("loop.example-pr.jp", "/two", "/one");
        for (var i = 0; i < 15; i++)
        {
            world.Web.Redirect("loop.example-pr.jp", $"/long{i}", $"/long{i + 1}");
        }

        var loop = await CheckOneAsync(Anchor(world.Web.Url("loop.example-pr.jp", "/one")));
        var tooLong = await CheckOneAsync(Anchor(world.Web.Url("loop.example-pr.jp", "/long0")));

        Assert.Equal(Risk.Danger, loop.Risk);
        Assert.Contains(loop.Reasons, r => r.Code == ReasonCodes.Loop);
        Assert.Equal(3, loop.Hops.Count);
        Assert.Equal(Risk.Danger, tooLong.Risk);
        Assert.Contains(tooLong.Reasons, r => r.Code == ReasonCodes.TooManyHops && r.Detail == "more than 10 redirects");
        Assert.Equal(11, tooLong.Hops.Count(h => h.Status == 302));
    }

    [Fact]
    public async Task Blocklisted_hops_are_found_by_their_test_points_with_each_lists_codes()
    {
        world.Host("go.example-pr.jp");
        world.Host("dbltest.com");
        world.Host("test.surbl.org");
        world.Host("test.uribl.com");
        world.Web.Redirect("go.example-pr.jp", "/dbl", world.Web.Url("dbltest.com", "/"));
        world.Web.Page("dbltest.com", "/", "<p>x</p>");
        world.Web.Page("test.surbl.org", "/", "<p>x</p>");
        world.Web.Page("test.uribl.com", "/", "<p>x</p>");

        var viaRedirect = await CheckOneAsync(Anchor(world.Web.Url("go.example-pr.jp", "/dbl")));
        var surbl = await CheckOneAsync(Anchor(world.Web.Url("test.surbl.org", "/")));
        var uribl = await CheckOneAsync(Anchor(world.Web.Url("test.uribl.com", "/")));

        Assert.Equal(Risk.Danger, viaRedirect.Risk);
        Assert.Contains(viaRedirect.Reasons, r => r.Code == ReasonCodes.Listed && r.Detail == "dbltest.com is listed on dbl.spamhaus.org: spam domain (127.0.1.2)");
        Assert.Contains(surbl.Reasons, r => r.Code == ReasonCodes.Listed && r.Detail.Contains("test.surbl.org is listed on multi.surbl.org") && r.Detail.Contains("PH phishing"));
        Assert.Contains(uribl.Reasons, r => r.Code == ReasonCodes.Listed && r.Detail == "test.uribl.com is listed on multi.uribl.com: black, grey, red (127.0.0.14)");
        Assert.All([surbl, uribl], l => Assert.Equal(Risk.Danger, l.Risk));
    }

    [Fact]
    public async Task Link_text_showing_another_domain_than_the_end_is_danger()
    {
        world.Host("www.bank-example.co.jp");
        world.Host("login.evil-example.com");
        world.Web.Page("login.evil-example.com", "/", "<p>login</p>");
        world.Web.Page("www.bank-example.co.jp", "/", "<p>bank</p>");

        var mismatch = await CheckOneAsync(Anchor(world.Web.Url("login.evil-example.com", "/"), "https://www.bank-example.co.jp/login"));
        var honest = await CheckOneAsync(Anchor(world.Web.Url("www.bank-example.co.jp", "/"), "www.bank-example.co.jp"));

        Assert.Equal(Risk.Danger, mismatch.Risk);
        Assert.Contains(mismatch.Reasons, r => r.Code == ReasonCodes.TextMismatch && r.Detail == "the link text shows bank-example.co.jp, but the link ends at evil-example.com");
        Assert.Equal(Risk.Ok, honest.Risk);
        Assert.Empty(honest.Reasons);
    }

    [Fact]
    public async Task Executable_downloads_are_danger_by_header_and_by_name()
    {
        world.Host("dl.example-pr.jp");
        world.Web.Page("dl.example-pr.jp", "/report", "MZ", contentType: "application/octet-stream", attachment: "report.pdf.exe");
        world.Web.Page("dl.example-pr.jp", "/setup.msi", "MZ", contentType: "application/octet-stream");
        world.Web.Page("dl.example-pr.jp", "/press.pdf", "%PDF", contentType: "application/pdf");

        var report = await world.Checker().CheckAsync(
            "<body>" + Anchor(world.Web.Url("dl.example-pr.jp", "/report")) + Anchor(world.Web.Url("dl.example-pr.jp", "/setup.msi"))
            + Anchor(world.Web.Url("dl.example-pr.jp", "/press.pdf")) + "</body>", null, CancellationToken.None);

        var byUrl = report.Links.ToDictionary(l => new Uri(l.Url).AbsolutePath);
        Assert.Contains(byUrl["/report"].Reasons, r => r.Code == ReasonCodes.Executable && r.Detail.Contains("report.pdf.exe"));
        Assert.Contains(byUrl["/setup.msi"].Reasons, r => r.Code == ReasonCodes.Executable && r.Detail.Contains(".msi"));
        Assert.Equal(Risk.Ok, byUrl["/press.pdf"].Risk);
    }

    [Fact]
    public async Task Bad_servers_each_give_a_clear_result_within_the_hop_limit()
    {
        world.Host("slow.example-pr.jp");
        world.Host("huge.example-pr.jp");
        world.Host("tls.example-pr.jp");
        world.Host("gone.example-pr.jp");
        world.Web.Trickle("slow.example-pr.jp", "/");
        world.Web.Large("huge.example-pr.jp", "/", 100L * 1024 * 1024);
        world.Web.Page("tls.example-pr.jp", "/", "<p>secure</p>");
        world.Web.Page("gone.example-pr.jp", "/old", "<p>gone</p>", status: 404);

        var report = await world.Checker().CheckAsync("<body>"
            + Anchor(world.Web.Url("slow.example-pr.jp", "/")) + Anchor(world.Web.Url("huge.example-pr.jp", "/"))
            + Anchor(world.Web.Url("tls.example-pr.jp", "/", tls: true)) + Anchor(world.Web.Url("gone.example-pr.jp", "/old"))
            + Anchor("http://no-such-host.example-pr.jp/") + Anchor("javascript:alert(1)") + Anchor("file:///etc/passwd")
            + Anchor("http://[::1") + Anchor("/relative/path") + "</body>", null, CancellationToken.None);

        LinkResult Link(string contains) => Assert.Single(report.Links, l => l.Url.Contains(contains, StringComparison.Ordinal));
        Assert.Contains(Link("slow.").Reasons, r => r.Code == ReasonCodes.Timeout && r.Detail.Contains("within 2 s"));
        var huge = Link("huge.");
        Assert.Equal(Risk.Ok, huge.Risk);
        Assert.Equal("page larger than 256 KB: read the first 256 KB", huge.Hops[0].Note);
        Assert.Contains(Link("tls.").Reasons, r => r.Code == ReasonCodes.Tls);
        Assert.Contains(Link("gone.").Reasons, r => r.Code == ReasonCodes.HttpError && r.Detail == "the page answers 404");
        Assert.Contains(Link("no-such-host").Reasons, r => r.Code == ReasonCodes.NoHost && r.Detail == "no-such-host.example-pr.jp does not exist in DNS");
        Assert.Equal(Risk.Danger, Link("javascript:").Risk);
        Assert.Equal(Risk.Danger, Link("file:").Risk);
        Assert.Contains(Link("http://[::1").Reasons, r => r.Code == ReasonCodes.Malformed);
        Assert.Contains(Link("/relative/path").Reasons, r => r.Code == ReasonCodes.Relative);
        // Each bad server cost one hop's limit at most; none held the release check to its overall limit.
        Assert.False(report.TimeLimitReached);
    }
}
