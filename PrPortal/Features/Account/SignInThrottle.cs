using System.Threading.RateLimiting;

namespace PrPortal.Features.Account;

/// <summary>Section "SignIn".</summary>
public sealed record SignInLimits : Hosting.IValidatedOptions
{
    /// <summary>Failed sign-ins one client (IP address) may make within the window before it must wait.</summary>
    public int FailuresPerClient { get; init; } = 5;
    public int WindowMinutes { get; init; } = 15;
    /// <summary>
    /// Failed sign-ins (from any clients) that lock the account for <see cref="LockoutMinutes"/>. Higher than
    /// <see cref="FailuresPerClient"/>, so no single client can lock someone else out.
    /// </summary>
    public int LockoutFailures { get; init; } = 10;
    public int LockoutMinutes { get; init; } = 15;

    public IEnumerable<(string Key, string Problem)> Validate()
    {
        if (FailuresPerClient is < 1 or > 1000)
        {
            yield return (nameof(FailuresPerClient), $"must be 1 to 1000 (is {FailuresPerClient})");
        }
        if (WindowMinutes is < 1 or > 1440)
        {
            yield return (nameof(WindowMinutes), $"must be 1 to 1440 (is {WindowMinutes})");
        }
        if (LockoutFailures <= FailuresPerClient || LockoutFailures > 10_000)
        {
            yield return (nameof(LockoutFailures), $"must be more than SignIn:FailuresPerClient ({FailuresPerClient}), so that one client cannot lock others out (is {LockoutFailures})");
        }
        if (LockoutMinutes is < 1 or > 1440)
        {
            yield return (nameof(LockoutMinutes), $"must be 1 to 1440 (is {LockoutMinutes})");
        }
    }
}

/// <summary>
/// Per-client throttling of failed sign-ins, on System.Threading.RateLimiting's sliding window (the
/// limiter ASP.NET Core's rate-limiting middleware is built on): each failure takes a permit from the
/// client's window; a client with none left is refused (429) whatever account it names, until the
/// window moves on. Successful sign-ins take nothing. In memory: one portal node; several nodes would
/// keep the windows in the database (see the README).
/// </summary>
public sealed class SignInThrottle(SignInLimits options, TimeProvider clock) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _failures = PartitionedRateLimiter.Create<string, string>(client =>
        RateLimitPartition.GetSlidingWindowLimiter(client, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = options.FailuresPerClient,
            Window = TimeSpan.FromMinutes(options.WindowMinutes),
            SegmentsPerWindow = Math.Min(options.WindowMinutes, 15),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    private readonly Dictionary<string, DateTimeOffset> _firstFailure = [];

    /// <summary>Whether this client has used up its failures for now.</summary>
    public bool IsThrottled(string client) => _failures.GetStatistics(client)?.CurrentAvailablePermits == 0;

    /// <summary>How long a throttled client should wait, at most (the whole window).</summary>
    public TimeSpan RetryAfter(string client)
    {
        lock (_firstFailure)
        {
            var window = TimeSpan.FromMinutes(options.WindowMinutes);
            return _firstFailure.TryGetValue(client, out var first) && first + window > clock.GetUtcNow() ? first + window - clock.GetUtcNow() : window;
        }
    }

    public void RecordFailure(string client)
    {
        using var lease = _failures.AttemptAcquire(client);
        lock (_firstFailure)
        {
            if (!_firstFailure.TryGetValue(client, out var first) || first + TimeSpan.FromMinutes(options.WindowMinutes) < clock.GetUtcNow())
            {
                _firstFailure[client] = clock.GetUtcNow();
            }
        }
    }

    public void Dispose() => _failures.Dispose();
}
