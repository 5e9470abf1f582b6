using System.Security.Claims;
using System.Text;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;

namespace PrPortal.Features.LinkRisk;

/// <summary>The links of one release, checked before a resend.</summary>
public sealed record ReleaseLinks(int ReleaseId, string Title, LinkCheckReport? Report);

/// <summary>The link check as the page, the API and the resend flow use it.</summary>
public sealed class LinkCheckService(
    LinkRiskChecker checker,
    IDbContextFactory<PortalDbContext> factory,
    IServiceProvider services,
    TimeProvider clock,
    ILogger<LinkCheckService> logger)
{
    public LinkRiskOptions Options => checker.Options;

    /// <summary>Checks release HTML; refuses HTML over the configured size with a clear message.</summary>
    public async Task<LinkCheckReport> CheckAsync(ClaimsPrincipal user, string html, IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetByteCount(html);
        if (bytes > Options.MaxHtmlBytes)
        {
            throw new ArgumentException($"The release HTML is {bytes / 1024.0 / 1024:0.0} MB; at most {Options.MaxHtmlBytes / 1024 / 1024} MB can be checked.");
        }
        var report = await checker.CheckAsync(html, progress, cancellationToken);
        logger.LogInformation("Link check by {User}: {Links} links ({Danger} danger, {Caution} caution) in {Seconds:0.0} s",
            user.Identity?.Name, report.Links.Count, report.Count(Risk.Danger), report.Count(Risk.Caution), report.Seconds);
        return report;
    }

    /// <summary>Reports of release bodies, kept for a while: the dialog's check and the service's gate share one run.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(int Release, int Html), (LinkCheckReport Report, DateTime At)> _recent = new();
    private static readonly TimeSpan KeptFor = TimeSpan.FromMinutes(30);

    /// <summary>The stored bodies of these releases, checked in one run; a release without a stored body has no report.</summary>
    public async Task<IReadOnlyList<ReleaseLinks>> CheckReleasesAsync(IReadOnlyList<int> releaseIds, IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var releases = await db.Releases.AsNoTracking().Where(r => releaseIds.Contains(r.Id))
            .OrderBy(r => r.Id).Select(r => new { r.Id, r.Title, r.Html }).ToListAsync(cancellationToken);
        var withBody = releases.Where(r => !string.IsNullOrWhiteSpace(r.Html)).ToList();
        var now = clock.GetUtcNow().UtcDateTime;
        var toCheck = withBody.Where(r => !(_recent.TryGetValue((r.Id, string.GetHashCode(r.Html)), out var kept) && now - kept.At < KeptFor)).ToList();
        var reports = await checker.CheckManyAsync(toCheck.Select(r => r.Html!).ToList(), progress, cancellationToken);
        foreach (var (release, report) in toCheck.Zip(reports))
        {
            _recent[(release.Id, string.GetHashCode(release.Html))] = (report, now);
        }
        var byId = withBody.ToDictionary(r => r.Id, r => _recent.TryGetValue((r.Id, string.GetHashCode(r.Html)), out var kept) ? kept.Report : null);
        return releases.Select(r => new ReleaseLinks(r.Id, r.Title, byId.GetValueOrDefault(r.Id))).ToList();
    }

    /// <summary>The releases among these whose stored body links somewhere dangerous.</summary>
    public async Task<IReadOnlyList<ReleaseLinks>> DangerousAsync(IReadOnlyList<int> releaseIds, CancellationToken cancellationToken) =>
        releaseIds.Count == 0 ? [] : (await CheckReleasesAsync(releaseIds, null, cancellationToken)).Where(r => r.Report?.Worst == Risk.Danger).ToList();

    /// <summary>A release to try the page with, linking into the sandbox's web; null outside the sandbox.</summary>
    public string? SampleRelease() =>
        services.GetService<Sandbox.SandboxWorld>() is { } world ? Sandbox.Http.DemoLinkSites.SampleRelease(world.Options.LinkWorldPort) : null;
}
