using System.Net;
using PrPortal.Infrastructure.Dns;

namespace PrPortal.Features.SenderAuth;

/// <summary>
/// The DNS lookups an SPF evaluation makes. The evaluator does no I/O itself: production passes
/// <see cref="DnsClientSpfDns"/>, tests pass zone data. A timeout or SERVFAIL is
/// <see cref="DnsStatus.Failed"/>, which the evaluator turns into temperror, never into "no record".
/// </summary>
public interface ISpfDns
{
    Task<DnsAnswer<string>> TxtAsync(string name, CancellationToken cancellationToken);
    Task<DnsAnswer<IPAddress>> AAsync(string name, CancellationToken cancellationToken);
    Task<DnsAnswer<IPAddress>> AaaaAsync(string name, CancellationToken cancellationToken);
    Task<DnsAnswer<MxHost>> MxAsync(string name, CancellationToken cancellationToken);
    Task<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken cancellationToken);
}

/// <summary>Remembers every answer for the length of one check, so checking 50 sending IPs asks DNS once per name.</summary>
public sealed class CachingSpfDns(ISpfDns inner) : ISpfDns
{
    private readonly Dictionary<(string, string), Task> _answers = [];
    private readonly Lock _gate = new();

    public int Queries { get; private set; }

    public Task<DnsAnswer<string>> TxtAsync(string name, CancellationToken cancellationToken) =>
        Cached("TXT", name, () => inner.TxtAsync(name, cancellationToken));
    public Task<DnsAnswer<IPAddress>> AAsync(string name, CancellationToken cancellationToken) =>
        Cached("A", name, () => inner.AAsync(name, cancellationToken));
    public Task<DnsAnswer<IPAddress>> AaaaAsync(string name, CancellationToken cancellationToken) =>
        Cached("AAAA", name, () => inner.AaaaAsync(name, cancellationToken));
    public Task<DnsAnswer<MxHost>> MxAsync(string name, CancellationToken cancellationToken) =>
        Cached("MX", name, () => inner.MxAsync(name, cancellationToken));
    public Task<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken cancellationToken) =>
        Cached("PTR", address.ToString(), () => inner.PtrAsync(address, cancellationToken));

    private Task<T> Cached<T>(string type, string name, Func<Task<T>> query)
    {
        lock (_gate)
        {
            var key = (type, name.ToLowerInvariant());
            if (!_answers.TryGetValue(key, out var task))
            {
                Queries++;
                task = query();
                _answers[key] = task;
            }
            return (Task<T>)task;
        }
    }
}
