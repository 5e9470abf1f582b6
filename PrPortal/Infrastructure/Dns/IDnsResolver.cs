using System.Net;

namespace PrPortal.Infrastructure.Dns;

public enum DnsStatus
{
    /// <summary>Records found.</summary>
    Ok,
    /// <summary>The name exists but has no records of the type.</summary>
    NoRecords,
    /// <summary>The name does not exist (NXDOMAIN).</summary>
    NxDomain,
    /// <summary>No answer could be had: timeout, SERVFAIL, refused, network error. Never read as "none".</summary>
    Failed,
}

public sealed record DnsAnswer<T>(DnsStatus Status, IReadOnlyList<T> Records, TimeSpan Ttl, string? Error = null)
{
    public static DnsAnswer<T> Failure(string error) => new(DnsStatus.Failed, [], TimeSpan.Zero, error);
}

public sealed record MxHost(string Host, int Preference);

/// <summary>The DNS lookups PrPortal makes; servers come from configuration (Dns:Servers), never hard-coded.</summary>
public interface IDnsResolver
{
    Task<DnsAnswer<MxHost>> MxAsync(string domain, CancellationToken cancellationToken);
    Task<DnsAnswer<IPAddress>> AddressesAsync(string host, CancellationToken cancellationToken);
    Task<DnsAnswer<string>> TxtAsync(string name, CancellationToken cancellationToken);
    Task<DnsAnswer<IPAddress>> AaaaAsync(string name, CancellationToken cancellationToken);
}
