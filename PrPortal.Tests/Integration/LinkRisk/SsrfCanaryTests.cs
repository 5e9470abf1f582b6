using System.Net;
using PrPortal.Features.LinkRisk;
using PrPortal.Infrastructure.Dns;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.LinkRisk;

/// <summary>
/// The link follower never reaches an address inside: a canary web server on 127.0.78.1 (loopback, never
/// allowed) counts every request it gets, and 30 ways of pointing a release link at it — written
/// addresses in every notation, names, redirects, meta refresh, script, a name that changes its answer —
/// must leave it at zero. The same links with the canary's range allowed do reach it, so the vectors are real.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SsrfCanaryTests(LinkWorldFixture world) : IClassFixture<LinkWorldFixture>
{
    private sealed record Vector(string Name, string Url, bool ReachesWhenAllowed);

    private List<Vector> Vectors()
    {
        var p = world.Web.HttpPort;
        world.Host("canary.example-pr.jp", LinkWorldFixture.CanaryAddress);
        world.Host("two-faces.example-pr.jp");
        world.Zones.SetA("two-faces.example-pr.jp", LinkWorldFixture.WebAddress, LinkWorldFixture.CanaryAddress);
        world.Host("jump.example-pr.jp");
        world.Host("bit.ly");
        string Jump(string path) => world.Web.Url("jump.example-pr.jp", path);
        world.Web.Redirect("jump.example-pr.jp", "/302-literal", $"http://127.0.78.1:{p}/v-redirect-literal");
        world.Web.Redirect("jump.example-pr.jp", "/301-name", $"http://canary.example-pr.jp:{p}/v-redirect-name", 301);
        world.Web.Redirect("jump.example-pr.jp", "/307-decimal", $"http://2130726401:{p}/v-redirect-decimal", 307);
        world.Web.Redirect("jump.example-pr.jp", "/protocol-relative", $"//127.0.78.1:{p}/v-protocol-relative");
        world.Web.Redirect("jump.example-pr.jp", "/to-metadata", "http://169.254.169.254/latest/meta-data/");
        world.Web.Page("jump.example-pr.jp", "/meta", $"<meta http-equiv=refresh content=\"0;url=http://0x7f004e01:{p}/v-meta-hex\">");
        world.Web.Page("jump.example-pr.jp", "/script", $"<script>location.replace('http://canary.example-pr.jp:{p}/v-script')</script>");
        world.Web.Redirect("bit.ly", "/chain", Jump("/chain2"), 301);
        world.Web.Redirect("jump.example-pr.jp", "/chain2", $"http://127.0.78.1:{p}/v-chain");
        return
        [
            new("dotted", $"http://127.0.78.1:{p}/v-dotted", true),
            new("dotted, https", $"https://127.0.78.1:{world.Web.HttpsPort}/v-https", false),
            new("trailing dot", $"http://127.0.78.1.:{p}/v-trailing-dot", true),
            new("decimal", $"http://2130726401:{p}/v-decimal", true),
            new("hex", $"http://0x7f004e01:{p}/v-hex", true),
            new("octal parts", $"http://0177.0.0116.01:{p}/v-octal", true),
            new("hex parts", $"http://0x7f.0.0x4e.0x1:{p}/v-hex-parts", true),
            new("three parts", $"http://127.0.19969:{p}/v-three-parts", true),
            new("two parts", $"http://127.19969:{p}/v-two-parts", true),
            new("IPv4-mapped IPv6", $"http://[::ffff:127.0.78.1]:{p}/v-mapped", false),
            new("IPv4-mapped IPv6, hex", $"http://[::ffff:7f00:4e01]:{p}/v-mapped-hex", false),
            new("IPv4-mapped IPv6, long form", $"http://[0:0:0:0:0:ffff:127.0.78.1]:{p}/v-mapped-long", false),
            new("IPv4-compatible IPv6", $"http://[::127.0.78.1]:{p}/v-compatible", false),
            new("user info", $"http://user:secret@127.0.78.1:{p}/v-userinfo", true),
            new("trusted name as user info", $"http://www.example-corp.co.jp@127.0.78.1:{p}/v-at", true),
            new("name pointing inside", $"http://canary.example-pr.jp:{p}/v-name", true),
            new("name with an inside and an outside address", $"http://two-faces.example-pr.jp:{p}/v-two-faces", false),
            new("302 to a literal", Jump("/302-literal"), true),
            new("301 to a name", Jump("/301-name"), true),
            new("307 to a decimal address", Jump("/307-decimal"), true),
            new("protocol-relative redirect", Jump("/protocol-relative"), true),
            new("meta refresh to hex", Jump("/meta"), true),
            new("script location to a name", Jump("/script"), true),
            new("shortener chain", world.Web.Url("bit.ly", "/chain"), true),
            new("cloud metadata", "http://169.254.169.254/latest/meta-data/", false),
            new("redirect to cloud metadata", Jump("/to-metadata"), false),
            new("private 10/8", "http://10.0.0.1/", false),
            new("private 192.168/16", "http://192.168.1.1/", false),
            new("CGNAT", "http://100.64.0.1/", false),
            new("unspecified", "http://0.0.0.0/", false),
            new("IPv6 loopback", "http://[::1]/", false),
            new("IPv6 unique local (metadata)", "http://[fd00:ec2::254]/", false),
            new("IPv6 link-local", "http://[fe80::1]/", false),
        ];
    }

    private static string Release(IEnumerable<Vector> vectors) =>
        "<html><body>" + string.Concat(vectors.Select(v => $"<p><a href=\"{WebUtility.HtmlEncode(v.Url)}\">{WebUtility.HtmlEncode(v.Name)}</a></p>")) + "</body></html>";

    [Fact]
    public async Task No_vector_reaches_the_canary_and_each_link_says_why()
    {
        var vectors = Vectors();
        Assert.True(vectors.Count >= 25);
        var before = world.Canary.Requests;

        var report = await world.Checker().CheckAsync(Release(vectors), null, CancellationToken.None);

        Assert.Equal(before, world.Canary.Requests);
        Assert.Equal(vectors.Count, report.Links.Count);
        foreach (var link in report.Links)
        {
            Assert.True(link.Risk == Risk.Danger, $"{link.Text}: {link.Risk} {string.Join("; ", link.Reasons)}");
            Assert.Contains(link.Reasons, r => r.Code == ReasonCodes.Refused);
        }
        var twoFaces = Assert.Single(report.Links, l => l.Text == "name with an inside and an outside address");
        Assert.Contains(twoFaces.Reasons, r => r.Detail.Contains("127.0.78.1 is a loopback address"));
        var metadata = Assert.Single(report.Links, l => l.Text == "cloud metadata");
        Assert.Contains(metadata.Reasons, r => r.Detail.Contains("link-local (cloud metadata)"));
    }

    [Fact]
    public async Task With_the_canary_range_allowed_the_same_links_do_reach_it()
    {
        var vectors = Vectors();
        var options = world.Options(o => o with { AllowedTestRanges = [.. o.AllowedTestRanges, "127.0.78.0/24"] });

        await world.Checker(options).CheckAsync(Release(vectors), null, CancellationToken.None);

        var reached = world.Canary.Log.Select(l => l.Split(' ')[1]).Select(l => l[l.IndexOf('/')..]).ToHashSet();
        foreach (var vector in vectors.Where(v => v.ReachesWhenAllowed))
        {
            var path = vector.Url.Contains("/v-", StringComparison.Ordinal) ? vector.Url[vector.Url.IndexOf("/v-", StringComparison.Ordinal)..] : null;
            if (path is not null)
            {
                Assert.True(reached.Contains(path), $"{vector.Name}: {path} was not reached; canary saw {string.Join(", ", reached)}");
            }
        }
        Assert.True(reached.Count >= 15, $"canary saw {reached.Count} paths");
    }

    /// <summary>A DNS server that answers the web world first and the canary ever after.</summary>
    private sealed class RebindingDns(IDnsResolver inner, string name) : IDnsResolver
    {
        private int _asked;
        public Task<DnsAnswer<MxHost>> MxAsync(string domain, CancellationToken cancellationToken) => inner.MxAsync(domain, cancellationToken);
        public Task<DnsAnswer<string>> TxtAsync(string n, CancellationToken cancellationToken) => inner.TxtAsync(n, cancellationToken);
        public Task<DnsAnswer<IPAddress>> AaaaAsync(string n, CancellationToken cancellationToken) => inner.AaaaAsync(n, cancellationToken);
        public Task<DnsAnswer<IPAddress>> AddressesAsync(string host, CancellationToken cancellationToken)
        {
            if (!string.Equals(host, name, StringComparison.OrdinalIgnoreCase))
            {
                return inner.AddressesAsync(host, cancellationToken);
            }
            var address = Interlocked.Increment(ref _asked) == 1 ? LinkWorldFixture.WebAddress : LinkWorldFixture.CanaryAddress;
            return Task.FromResult(new DnsAnswer<IPAddress>(DnsStatus.Ok, [address], TimeSpan.Zero));
        }
        public int Asked => _asked;
    }

    [Fact]
    public async Task A_name_that_changes_its_answer_after_the_check_is_connected_to_the_checked_address()
    {
        world.Web.Page("rebind.example-pr.jp", "/", "<p>harmless</p>");
        world.Web.Redirect("rebind.example-pr.jp", "/again", "/");
        var dns = new RebindingDns(world.Dns, "rebind.example-pr.jp");
        var before = world.Canary.Requests;

        var report = await world.Checker(dns: dns).CheckAsync(
            $"<body><a href=\"{world.Web.Url("rebind.example-pr.jp", "/again")}\">a</a> <a href=\"{world.Web.Url("rebind.example-pr.jp", "/")}\">b</a></body>",
            null, CancellationToken.None);

        Assert.Equal(before, world.Canary.Requests);
        Assert.Contains("GET rebind.example-pr.jp/", world.Web.Log);
        Assert.All(report.Links, l => Assert.Equal(Risk.Ok, l.Risk));
        Assert.Equal(1, dns.Asked);
    }
}
