using System.Text.Json;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.LinkRisk;

/// <summary>`link-check FILE|- [--dns HOST:PORT]` run as an operator runs it, against the loopback web world.</summary>
[Trait("Category", "Integration")]
public sealed class LinkCheckVerbTests(LinkWorldFixture world) : IClassFixture<LinkWorldFixture>
{
    private Dictionary<string, string> Environment()
    {
        var environment = PortalProcess.Environment(TempFiles.NewPath("verb", ".db"));
        environment["LinkRisk__AllowedTestRanges__0"] = "127.0.77.0/24";
        environment["LinkRisk__AllowedPorts__0"] = world.Web.HttpPort.ToString();
        return environment;
    }

    [Fact]
    public async Task A_release_file_gives_the_contract_json()
    {
        world.Host("bit.ly");
        world.Host("www.example-corp.co.jp");
        world.Web.Redirect("bit.ly", "/verb", world.Web.Url("www.example-corp.co.jp", "/news.html"), 301);
        world.Web.Page("www.example-corp.co.jp", "/news.html", "<p>news</p>");
        var file = TempFiles.NewPath("release", ".html");
        await File.WriteAllTextAsync(file, $"<html><body><a href=\"{world.Web.Url("bit.ly", "/verb")}\">詳細</a> <a href=\"http://10.0.0.8/\">intranet</a></body></html>");

        var result = await PortalProcess.RunAsync(Environment(), "link-check", file, "--dns", world.DnsEndpoint.ToString());

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var links = json.RootElement.GetProperty("links").EnumerateArray().ToList();
        Assert.Equal(2, links.Count);
        var intranet = links[0];
        Assert.Equal("http://10.0.0.8/", intranet.GetProperty("url").GetString());
        Assert.Equal("danger", intranet.GetProperty("risk").GetString());
        var shortened = links[1];
        Assert.Equal(world.Web.Url("www.example-corp.co.jp", "/news.html"), shortened.GetProperty("final_url").GetString());
        Assert.Equal([301, 200], shortened.GetProperty("hops").EnumerateArray().Select(h => h.GetProperty("status").GetInt32()));
        Assert.Equal("caution", shortened.GetProperty("risk").GetString());
        Assert.StartsWith("shortener: bit.ly is a URL shortener", shortened.GetProperty("reasons")[0].GetString());
        Assert.True(json.RootElement.GetProperty("seconds").GetDouble() > 0);
    }

    [Theory]
    [InlineData("link-check")]
    [InlineData("link-check", "/no/such/release.html")]
    [InlineData("link-check", "-", "--dns", "not-a-server")]
    [InlineData("link-check", "a.html", "b.html")]
    public async Task Bad_arguments_exit_2_with_one_line(params string[] args)
    {
        var result = await PortalProcess.RunAsync(Environment(), args);

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }
}
