using PrPortal.Components.Shared;

namespace PrPortal.Tests.Unit;

/// <summary>The report's daily chart: its axis follows the counts, so a few failures a day still show as bars.</summary>
[Trait("Category", "Unit")]
public sealed class ChartAxisTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(3, 1)]
    [InlineData(12, 5)]
    [InlineData(35, 10)]
    [InlineData(480, 100)]
    [InlineData(7_300, 2_000)]
    public void The_tick_spacing_is_a_round_step_giving_about_five_ticks(long highest, int step)
    {
        Assert.Equal(step, ChartAxis.NiceStep(highest));
        Assert.InRange(Math.Ceiling(Math.Max(1, highest) / (double)step), 1, 6);
    }
}
