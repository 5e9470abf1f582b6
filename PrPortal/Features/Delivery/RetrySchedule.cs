namespace PrPortal.Features.Delivery;

/// <summary>When deferred mail is tried again: after 5, 10, 20, 40 minutes, then hourly; given up after the queue lifetime.</summary>
public static class RetrySchedule
{
    public static readonly TimeSpan QueueLifetime = TimeSpan.FromDays(5);

    /// <summary>The wait after the n-th deferral (1-based).</summary>
    public static TimeSpan Backoff(int deferrals) => TimeSpan.FromMinutes(Math.Min(60, 5 * Math.Pow(2, Math.Clamp(deferrals - 1, 0, 4))));

    /// <summary>The time waited in the queue before the n-th attempt, by the schedule alone.</summary>
    public static TimeSpan Waited(int deferrals) => TimeSpan.FromTicks(Enumerable.Range(1, Math.Max(0, deferrals)).Sum(d => Backoff(d).Ticks));
}
