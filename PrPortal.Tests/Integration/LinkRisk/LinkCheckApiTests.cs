using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PrPortal.Features.LinkRisk;
using PrPortal.Sandbox;
using PrPortal.Sandbox.Http;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.LinkRisk;

/// <summary>
/// The release editor posts release HTML to /api/link-check with its API key; the demo portal's sandbox
/// serves the web the links lead to, and its DNS the URI blocklists.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LinkCheckApiTests(DemoPortalFactory factory) : IClassFixture<DemoPortalFactory>
{
    private static HttpRequestMessage Post(string? key, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/link-check") { Content = content };
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }
        return request;
    }

    private string Sample => DemoLinkSites.SampleRelease(factory.Service<SandboxWorld>().Options.LinkWorldPort);

    [Fact]
    public async Task The_editor_posts_a_release_and_gets_every_link_with_chain_risk_and_reasons()
    {
        using var client = PortalClient.Anonymous(factory);

        var response = await client.SendAsync(Post(PortalFactory.ApiKey, new StringContent(Sample, Encoding.UTF8, "text/html")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        var links = json.GetProperty("links").EnumerateArray().ToList();
        Assert.Equal(8, links.Count);
        Assert.True(json.GetProperty("seconds").GetDouble() > 0);
        JsonElement Link(string contains) => Assert.Single(links, l => l.GetProperty("url").GetString()!.Contains(contains, StringComparison.Ordinal));
        string Risk(JsonElement l) => l.GetProperty("risk").GetString()!;
        IEnumerable<string> Reasons(JsonElement l) => l.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!);

        var shortener = Link("bit.ly");
        Assert.Equal("caution", Risk(shortener));
        Assert.Equal([301, 302, 200], shortener.GetProperty("hops").EnumerateArray().Select(h => h.GetProperty("status").GetInt32()));
        Assert.EndsWith("/news/campaign.html", shortener.GetProperty("final_url").GetString());
        Assert.Equal("danger", Risk(Link("dbltest.com")));
        Assert.Contains(Reasons(Link("dbltest.com")), r => r.StartsWith("blocklisted: dbltest.com is listed on dbl.spamhaus.org", StringComparison.Ordinal));
        Assert.Contains(Reasons(Link("setup.exe")), r => r.StartsWith("executable:", StringComparison.Ordinal));
        var lookalike = Link("xn--80ak6aa92e.com");
        Assert.Equal("danger", Risk(lookalike));
        Assert.Contains(Reasons(lookalike), r => r.StartsWith("lookalike:", StringComparison.Ordinal));
        Assert.Contains(Reasons(lookalike), r => r.StartsWith("text_mismatch:", StringComparison.Ordinal));
        Assert.DoesNotContain(Reasons(lookalike), r => r.StartsWith("http_error:", StringComparison.Ordinal));
        Assert.Contains(Reasons(Link("192.168.10.5")), r => r.StartsWith("refused_address:", StringComparison.Ordinal));
        Assert.Contains(Reasons(Link("/old/index.html")), r => r == "http_error: the page answers 404");
        Assert.Equal("ok", Risk(Link("/news/product.html")));
        Assert.Equal("ok", Risk(Link("/news/logo.png")));
    }

    [Fact]
    public async Task Json_bodies_work_and_bad_requests_are_refused_with_a_reason()
    {
        using var client = PortalClient.Anonymous(factory);

        var json = await client.SendAsync(Post(PortalFactory.ApiKey, JsonContent.Create(new { html = "<a href=\"mailto:pr@example.jp\">mail</a>" })));
        var noHtml = await client.SendAsync(Post(PortalFactory.ApiKey, new StringContent("{\"body\":1}", Encoding.UTF8, "application/json")));
        var empty = await client.SendAsync(Post(PortalFactory.ApiKey, new StringContent("  ")));
        var noKey = await client.SendAsync(Post(null, new StringContent(Sample)));
        var tooLarge = await client.SendAsync(Post(PortalFactory.ApiKey, new StringContent(new string('x', factory.Service<LinkRiskOptions>().MaxHtmlBytes + 1))));

        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        Assert.Equal("ok", (await json.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("links")[0].GetProperty("risk").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, noHtml.StatusCode);
        Assert.Contains("no string property \"html\"", (await noHtml.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
    }

    [Fact]
    public async Task Before_a_resend_the_stored_release_bodies_are_checked_in_one_run()
    {
        var links = factory.Service<LinkCheckService>();

        // Demo releases: 7 links through a shortener, 13 to a blocklisted domain and a program, 1 only to its company page.
        var checks = await links.CheckReleasesAsync([1, 7, 13], null, CancellationToken.None);

        Assert.Equal([1, 7, 13], checks.Select(c => c.ReleaseId));
        Assert.Equal(Risk.Ok, checks[0].Report!.Worst);
        Assert.Equal(Risk.Caution, checks[1].Report!.Worst);
        Assert.Equal(Risk.Danger, checks[2].Report!.Worst);
        Assert.Contains(checks[2].Report!.Links, l => l.Reasons.Any(r => r.Code == ReasonCodes.Executable));
    }
}
