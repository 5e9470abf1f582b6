using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PrPortal.Features.SendLog;

/// <summary>Degraded while a followed log cannot be read (it is retried with backoff meanwhile).</summary>
public sealed class FollowerHealthCheck(LogFollowerService followers) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failing = followers.Statuses.Where(s => s.Failing).ToList();
        return Task.FromResult(failing.Count == 0
            ? HealthCheckResult.Healthy($"{followers.Statuses.Count} followed logs")
            : HealthCheckResult.Degraded(string.Join("; ", failing.Select(f => $"{f.Path}: {f.LastError} ({f.Failures} failures, retry at {f.RetryAtUtc:u})"))));
    }
}
