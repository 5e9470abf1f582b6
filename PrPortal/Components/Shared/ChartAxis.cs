namespace PrPortal.Components.Shared;

/// <summary>Axis ticks for the portal's charts: round steps that follow the counts, so small numbers still show as bars.</summary>
public static class ChartAxis
{
    /// <summary>A round tick spacing (1, 2, 5 × 10ⁿ) that gives about five ticks up to <paramref name="highest"/>.</summary>
    public static int NiceStep(long highest)
    {
        var rough = Math.Max(1, highest / 5.0);
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = new[] { 1, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= rough);
        return (int)Math.Max(1, step);
    }
}
