using PrPortal.Features.Drill;
using PrPortal.Sandbox.Scenarios;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration;

/// <summary>A drill runs only what fits the sandbox: short, at a modest rate, on IPs the pool has, one at a time.</summary>
[Trait("Category", "Integration")]
public sealed class DrillServiceTests
{
    private static IncidentScenario Preset(Func<string, string> change) =>
        IncidentScenario.ParseValid(change(DrillScenarios.Presets.First(p => p.Key == "yahoo").Json));

    [Fact]
    public async Task A_drill_that_does_not_fit_is_refused_and_a_second_one_waits_for_the_first()
    {
        using var portal = new DemoPortalFactory();
        _ = portal.Server;
        var drills = portal.Service<DrillService>();

        var tooLong = await Assert.ThrowsAsync<ScenarioException>(() => drills.StartAsync(Preset(j => j.Replace("\"hours\": 0.05", "\"hours\": 1")), "support", default));
        var tooFast = await Assert.ThrowsAsync<ScenarioException>(() => drills.StartAsync(Preset(j => j.Replace("\"mails_per_hour\": 28800", "\"mails_per_hour\": 360000")), "support", default));
        var beyondPool = await Assert.ThrowsAsync<ScenarioException>(() => drills.StartAsync(
            Preset(j => j.Replace("\"primary\": 48", "\"primary\": 60").Replace("[3, 7, 11, 15, 19, 23, 27, 31]", "[55]")), "support", default));
        Assert.False(drills.State.Running);

        await drills.StartAsync(Preset(j => j), "support", default);
        var second = await Assert.ThrowsAsync<InvalidOperationException>(() => drills.StartAsync(Preset(j => j), "support", default));
        drills.Stop();
        for (var i = 0; i < 100 && drills.State.Running; i++)
        {
            await Task.Delay(100);
        }

        Assert.StartsWith("hours: a drill lasts at most 30 minutes", tooLong.Message);
        Assert.StartsWith("mails_per_hour: a drill sends at most 50 mails a second", tooFast.Message);
        Assert.Equal("blocks[0].ips: this pool has 48 primaries", beyondPool.Message);
        Assert.Equal("A drill is already running.", second.Message);
        Assert.False(drills.State.Running);
        Assert.Contains(drills.State.Steps, s => s.Kind == "stopped");
    }
}
