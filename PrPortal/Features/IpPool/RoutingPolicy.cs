using PrPortal.Data.Entities;

namespace PrPortal.Features.IpPool;

/// <summary>How one sending IP stands for one provider.</summary>
public enum CellRouting
{
    /// <summary>A primary the provider's mail goes through.</summary>
    InUse,
    /// <summary>Taken out of use for this provider (blocked, or by hand).</summary>
    Excluded,
    /// <summary>A spare carrying this provider's mail because too few primaries are left for it.</summary>
    SpareInUse,
    /// <summary>A spare waiting.</summary>
    SpareStandby,
}

/// <summary>
/// Which IPs may carry a provider's mail. Pure: the same inputs give the same answer. Primaries not
/// excluded for the provider are eligible; when fewer than <c>spareThreshold</c> of the primaries are left,
/// the spares not excluded join them; with no primary left, spares alone carry the mail.
/// </summary>
public static class RoutingPolicy
{
    public const double DefaultSpareThreshold = 0.5;

    public static IReadOnlyList<SendingIp> Eligible(IReadOnlyList<SendingIp> ips, IReadOnlySet<int> excluded, double spareThreshold = DefaultSpareThreshold)
    {
        var primaries = ips.Where(i => i.Enabled && i.Role == SendingIpRole.Primary).ToList();
        var left = primaries.Where(i => !excluded.Contains(i.Id)).ToList();
        if (primaries.Count > 0 && left.Count >= primaries.Count * spareThreshold)
        {
            return left;
        }
        return left.Concat(ips.Where(i => i.Enabled && i.Role == SendingIpRole.Spare && !excluded.Contains(i.Id))).ToList();
    }

    public static CellRouting StateOf(SendingIp ip, IReadOnlyList<SendingIp> eligible, IReadOnlySet<int> excluded) =>
        excluded.Contains(ip.Id) ? CellRouting.Excluded
        : ip.Role == SendingIpRole.Primary ? CellRouting.InUse
        : eligible.Any(e => e.Id == ip.Id) ? CellRouting.SpareInUse : CellRouting.SpareStandby;
}
