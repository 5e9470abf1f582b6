using PrPortal.Features.LinkRisk;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.LinkRisk;

/// <summary>The check of a release ends within its limit whatever the release holds: many links, slow servers.</summary>
[Trait("Category", "Integration")]
public sealed class LinkCheckLimitsTests(LinkWorldFixture world) : IClassFixture<LinkWorldFixture>
{
    [Fact]
    public async Task Ten_thousand_links_each_get_a_result_and_repeats_are_fetched_once()
    {
        world.Host("many.example-pr.jp");
        world.Host("bit.ly");
        for (var i = 0; i < 10_000; i++)
        {
            world.Web.Page("many.example-pr.jp", $"/p{i}", "<p>page</p>", contentType: "application/pdf");
        }
        world.Web.Redirect("bit.ly", "/same", world.Web.Url("many.example-pr.jp", "/p1"));
        var html = "<body>" + string.Concat(Enumerable.Range(0, 10_000).Select(i => $"<a href=\"{world.Web.Url("many.example-pr.jp", $"/p{i}")}\">{i}</a>"))
                   + string.Concat(Enumerable.Repeat($"<a href=\"{world.Web.Url("bit.ly", "/same")}\">x</a>", 500)) + "</body>";
        var before = world.Web.Log.Count(l => l.Contains("bit.ly/same", StringComparison.Ordinal));
        var progress = new List<int>();

        var report = await world.Checker(world.Options(o => o with { TotalSeconds = 120 }))
            .CheckAsync(html, new SyncProgress(p => progress.Add(p.Done)), CancellationToken.None);

        Assert.Equal(10_500, report.Extracted);
        Assert.Equal(10_001, report.Links.Count);
        Assert.All(report.Links.Where(l => l.Count == 1), l => Assert.Equal(Risk.Ok, l.Risk));
        Assert.Equal(world.Web.Url("many.example-pr.jp", "/p1"), Assert.Single(report.Links, l => l.Count == 500).FinalUrl);
        Assert.Equal(1, world.Web.Log.Count(l => l.Contains("bit.ly/same", StringComparison.Ordinal)) - before);
        Assert.Equal(10_001, progress.Max());
    }

    [Fact]
    public async Task Slow_servers_cannot_hold_a_release_past_its_limit()
    {
        world.Host("slow.example-pr.jp");
        world.Web.Trickle("slow.example-pr.jp", "/");
        var html = "<body>" + string.Concat(Enumerable.Range(0, 40).Select(i => $"<a href=\"{world.Web.Url("slow.example-pr.jp", "/")}?n={i}\">{i}</a>")) + "</body>";
        var options = world.Options(o => o with { TotalSeconds = 3, HopSeconds = 30, MaxConcurrency = 8 });

        var report = await world.Checker(options).CheckAsync(html, null, CancellationToken.None);

        Assert.True(report.TimeLimitReached);
        Assert.Equal(40, report.Links.Count);
        Assert.All(report.Links, l => Assert.Contains(l.Reasons, r => r.Code == ReasonCodes.TimeLimit && r.Detail.Contains("limit of 3 s")));
        // The limit holds within the time it takes to close the sockets.
        Assert.InRange(report.Seconds, 2.9, 4.5);
    }

    private sealed class SyncProgress(Action<(int Done, int Total)> report) : IProgress<(int Done, int Total)>
    {
        private readonly Lock _lock = new();
        public void Report((int Done, int Total) value)
        {
            lock (_lock)
            {
                report(value);
            }
        }
    }
}
