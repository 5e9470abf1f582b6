using PrPortal.Features.Blocklists;

namespace PrPortal.Tests.Unit;

/// <summary>A blocklist zone's delisting address is shown as a link: only an absolute http(s) URL may become one.</summary>
[Trait("Category", "Unit")]
public sealed class DelistUrlTests
{
    [Theory]
    [InlineData("https://check.spamhaus.org/", "https://check.spamhaus.org/")]
    [InlineData("http://bl.example/remove?ip=1", "http://bl.example/remove?ip=1")]
    [InlineData("javascript:alert(1)//@x", null)]
    [InlineData("javascript://x.example/%0aalert(1)", null)]
    [InlineData("data:text/html,<script>alert(1)</script>", null)]
    [InlineData("removal@bl.example", null)]
    [InlineData("/relative/path", null)]
    [InlineData("https://user:pw@bl.example/", null)]
    [InlineData("https://bl.example/\u0007", null)]
    [InlineData("ftp://bl.example/", null)]
    public void Only_absolute_http_urls_are_links(string url, string? expected) => Assert.Equal(expected, ZoneSettings.SafeDelistUrl(url));
}
