using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;

namespace PrPortal.Features.IpPool;

/// <summary>Section "Routing".</summary>
public sealed record RoutingOptions
{
    /// <summary>Spares join a provider's pool when fewer than this share of the primaries are left for it.</summary>
    public double SpareThreshold { get; init; } = RoutingPolicy.DefaultSpareThreshold;
}

public sealed record RoutingPicture(IReadOnlyDictionary<(int IpId, string ProviderId), CellRouting> Cells)
{
    public CellRouting StateOf(int ipId, string providerId, SendingIpRole role) =>
        Cells.TryGetValue((ipId, providerId), out var state) ? state : role == SendingIpRole.Primary ? CellRouting.InUse : CellRouting.SpareStandby;
}

/// <summary>One line of the routing audit log: who took an IP out of (or put it back into) a provider's pool, when and why.</summary>
public sealed record RoutingAuditRow(DateTime AtUtc, string Actor, string Action, string Ip, string ProviderId, string Reason, int? IncidentId);

/// <summary>
/// Chooses the source IP for a provider's mail from the routing policy and the active exclusions, and
/// records exclusions and inclusions (by hand: Admin or Support, with a reason) as the routing audit log.
/// </summary>
public sealed class RoutingService(IDbContextFactory<PortalDbContext> factory, RoutingOptions options, PoolChanges changes,
    Providers.ProviderResolver providers, TimeProvider clock)
{
    private readonly SemaphoreSlim _load = new(1, 1);
    private readonly List<(int IpId, string ProviderId)> _started = [];

    /// <summary>IPs just taken out of a provider's pool (saved): mail waiting on them can leave through another at once.</summary>
    public event Action<IReadOnlyList<(int IpId, string ProviderId)>>? ExclusionsStarted;
    private Snapshot? _snapshot;

    private sealed record Snapshot(IReadOnlyList<SendingIp> Ips, ILookup<string, int> Excluded, DateTime LoadedAtUtc);

    /// <summary>An IP for this provider's mail, at random among the eligible; null when none is left (the mail waits).</summary>
    public async Task<SendingIp?> PickAsync(string providerId, CancellationToken cancellationToken)
    {
        var snapshot = await SnapshotAsync(cancellationToken);
        var eligible = RoutingPolicy.Eligible(snapshot.Ips, snapshot.Excluded[providerId].ToHashSet(), options.SpareThreshold);
        return eligible.Count == 0 ? null : eligible[Random.Shared.Next(eligible.Count)];
    }

    /// <summary>The source IP for mail to this recipient: its provider (from the domain's MX) decides which IPs may carry it.</summary>
    public async Task<SendingIp> PickForAsync(string email, CancellationToken cancellationToken)
    {
        var provider = (await providers.ResolveAsync(email[(email.LastIndexOf('@') + 1)..], cancellationToken)).Provider;
        return await PickAsync(provider, cancellationToken)
            ?? throw new InvalidOperationException($"No sending IP is in use for {Providers.MailboxProviderCatalog.DisplayName(provider)}: every one is excluded or disabled.");
    }

    public async Task<RoutingPicture> PictureAsync(IReadOnlyList<string> providers, CancellationToken cancellationToken)
    {
        var snapshot = await SnapshotAsync(cancellationToken, fresh: true);
        var cells = new Dictionary<(int, string), CellRouting>();
        foreach (var provider in providers)
        {
            var excluded = snapshot.Excluded[provider].ToHashSet();
            var eligible = RoutingPolicy.Eligible(snapshot.Ips, excluded, options.SpareThreshold);
            foreach (var ip in snapshot.Ips)
            {
                cells[(ip.Id, provider)] = RoutingPolicy.StateOf(ip, eligible, excluded);
            }
        }
        return new RoutingPicture(cells);
    }

    /// <summary>
    /// The detector saw an IP block: the IP leaves that provider's pool at once, in the incident's own
    /// transaction (the caller saves, then calls <see cref="Changed"/>). False when it was already out or is not ours.
    /// </summary>
    public async Task<bool> ExcludeForBlockAsync(PortalDbContext db, string address, string providerId, int incidentId, string evidence, DateTime atUtc, CancellationToken cancellationToken)
    {
        var ip = await db.SendingIps.AsNoTracking().FirstOrDefaultAsync(i => i.Address == address, cancellationToken);
        if (ip is null || db.RoutingExclusions.Local.Any(e => e.SendingIpId == ip.Id && e.ProviderId == providerId && e.EndedAtUtc == null)
            || await db.RoutingExclusions.AnyAsync(e => e.SendingIpId == ip.Id && e.ProviderId == providerId && e.EndedAtUtc == null, cancellationToken))
        {
            return false;
        }
        lock (_started)
        {
            _started.Add((ip.Id, providerId));
        }
        db.RoutingExclusions.Add(new RoutingExclusion
        {
            SendingIpId = ip.Id, ProviderId = providerId, StartedAtUtc = atUtc, StartedBy = DetectorActor, IncidentId = incidentId,
            Reason = evidence.Length > 500 ? evidence[..500] : evidence,
        });
        return true;
    }

    public const string DetectorActor = "detector";

    /// <summary>Routing changed outside this service: choose from fresh data and redraw open grids.</summary>
    public void Changed()
    {
        _snapshot = null;
        List<(int, string)> started;
        lock (_started)
        {
            started = [.. _started];
            _started.Clear();
        }
        if (started.Count > 0)
        {
            ExclusionsStarted?.Invoke(started);
        }
        changes.Notify();
    }

    /// <summary>Takes an IP out of use for one provider. Already excluded: nothing changes.</summary>
    public async Task ExcludeAsync(ClaimsPrincipal user, int sendingIpId, string providerId, string reason, CancellationToken cancellationToken) =>
        await ChangeAsync(user, reason, async db =>
        {
            if (!await db.SendingIps.AnyAsync(i => i.Id == sendingIpId, cancellationToken))
            {
                throw new ArgumentException($"Sending IP {sendingIpId} does not exist.");
            }
            if (!await db.RoutingExclusions.AnyAsync(e => e.SendingIpId == sendingIpId && e.ProviderId == providerId && e.EndedAtUtc == null, cancellationToken))
            {
                lock (_started)
                {
                    _started.Add((sendingIpId, providerId));
                }
                db.RoutingExclusions.Add(new RoutingExclusion
                {
                    SendingIpId = sendingIpId, ProviderId = providerId, StartedAtUtc = clock.GetUtcNow().UtcDateTime,
                    StartedBy = user.Identity?.Name ?? "?", Reason = reason.Trim(),
                });
            }
        }, cancellationToken);

    /// <summary>Puts an IP back into use for one provider (a forced revert when done by hand).</summary>
    public async Task IncludeAsync(ClaimsPrincipal user, int sendingIpId, string providerId, string reason, CancellationToken cancellationToken) =>
        await ChangeAsync(user, reason, async db =>
        {
            foreach (var exclusion in await db.RoutingExclusions.Where(e => e.SendingIpId == sendingIpId && e.ProviderId == providerId && e.EndedAtUtc == null).ToListAsync(cancellationToken))
            {
                exclusion.EndedAtUtc = clock.GetUtcNow().UtcDateTime;
                exclusion.EndedBy = user.Identity?.Name ?? "?";
                exclusion.EndReason = reason.Trim();
            }
        }, cancellationToken);

    /// <summary>The latest routing changes, newest first: every exclusion's start and end.</summary>
    public async Task<IReadOnlyList<RoutingAuditRow>> AuditAsync(int take, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var rows = await db.RoutingExclusions.AsNoTracking().Include(e => e.SendingIp)
            .OrderByDescending(e => e.EndedAtUtc ?? e.StartedAtUtc).Take(take).ToListAsync(cancellationToken);
        return rows.SelectMany(e => new[]
            {
                new RoutingAuditRow(e.StartedAtUtc, e.StartedBy, "excluded", e.SendingIp!.Address, e.ProviderId, e.Reason, e.IncidentId),
            }.Concat(e.EndedAtUtc is { } ended
                ? [new RoutingAuditRow(ended, e.EndedBy ?? "?", e.EndedBy == RecoveryCheck.Actor ? "reverted" : "included", e.SendingIp!.Address, e.ProviderId, e.EndReason ?? "", e.IncidentId)]
                : []))
            .OrderByDescending(r => r.AtUtc).Take(take).ToList();
    }

    private async Task ChangeAsync(ClaimsPrincipal user, string reason, Func<PortalDbContext, Task> change, CancellationToken cancellationToken)
    {
        if (!user.IsInRole(PortalRoles.Admin) && !user.IsInRole(PortalRoles.Support))
        {
            throw new UnauthorizedAccessException("Only Admin and Support change routing.");
        }
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ArgumentException("Say why: the reason goes into the routing audit log.");
        }
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await change(db);
        await db.SaveChangesAsync(cancellationToken);
        Changed();
    }

    private async Task<Snapshot> SnapshotAsync(CancellationToken cancellationToken, bool fresh = false)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (!fresh && _snapshot is { } cached && now - cached.LoadedAtUtc < TimeSpan.FromSeconds(5))
        {
            return cached;
        }
        await _load.WaitAsync(cancellationToken);
        try
        {
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            var ips = await db.SendingIps.AsNoTracking().Where(i => i.Enabled).OrderBy(i => i.Role).ThenBy(i => i.Id).ToListAsync(cancellationToken);
            var excluded = await db.RoutingExclusions.AsNoTracking().Where(e => e.EndedAtUtc == null)
                .Select(e => new { e.ProviderId, e.SendingIpId }).ToListAsync(cancellationToken);
            return _snapshot = new Snapshot(ips, excluded.ToLookup(e => e.ProviderId, e => e.SendingIpId), now);
        }
        finally
        {
            _load.Release();
        }
    }
}
