using System.Net;
using DnsClient;
using DnsClient.Protocol;

namespace PrPortal.Infrastructure.Dns;

/// <summary><see cref="IDnsResolver"/> over DnsClient.NET, with the configured servers, timeout and retries.</summary>
public sealed class DnsClientResolver : IDnsResolver, Features.SenderAuth.ISpfDns
{
    private readonly LookupClient _client;

    public DnsClientResolver(DnsOptions options)
    {
        var endpoints = options.Endpoints();
        var lookup = endpoints.Count > 0
            ? new LookupClientOptions(endpoints.ToArray())
            : new LookupClientOptions();
        lookup.Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds);
        lookup.Retries = options.Retries;
        lookup.UseCache = false;
        lookup.ThrowDnsErrors = false;
        lookup.ContinueOnDnsError = false;
        lookup.ContinueOnEmptyResponse = false;
        lookup.UseTcpFallback = true;
        _client = new LookupClient(lookup);
    }

    public Task<DnsAnswer<MxHost>> MxAsync(string domain, CancellationToken cancellationToken) =>
        QueryAsync(domain, QueryType.MX, records => records.OfType<MxRecord>()
            .Select(r => new MxHost(r.Exchange.Value.TrimEnd('.').ToLowerInvariant(), r.Preference))
            .OrderBy(m => m.Preference).ThenBy(m => m.Host, StringComparer.Ordinal)
            .ToList(), cancellationToken);

    public async Task<DnsAnswer<IPAddress>> AddressesAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            return new DnsAnswer<IPAddress>(DnsStatus.Ok, [literal], TimeSpan.FromHours(1));
        }
        return await QueryAsync(host, QueryType.A, records => records.OfType<ARecord>().Select(r => r.Address).ToList(), cancellationToken);
    }

    public Task<DnsAnswer<string>> TxtAsync(string name, CancellationToken cancellationToken) =>
        QueryAsync(name, QueryType.TXT, records => records.OfType<TxtRecord>().Select(r => string.Concat(r.Text)).ToList(), cancellationToken);

    public Task<DnsAnswer<IPAddress>> AAsync(string name, CancellationToken cancellationToken) =>
        QueryAsync(name, QueryType.A, records => records.OfType<ARecord>().Select(r => r.Address).ToList(), cancellationToken);

    public Task<DnsAnswer<IPAddress>> AaaaAsync(string name, CancellationToken cancellationToken) =>
        QueryAsync(name, QueryType.AAAA, records => records.OfType<AaaaRecord>().Select(r => r.Address).ToList(), cancellationToken);

    Task<DnsAnswer<MxHost>> Features.SenderAuth.ISpfDns.MxAsync(string name, CancellationToken cancellationToken) =>
        QueryAsync(name, QueryType.MX, records => records.OfType<MxRecord>()
            .Select(r => new MxHost(r.Exchange.Value.TrimEnd('.').ToLowerInvariant(), r.Preference)).ToList(), cancellationToken);

    public Task<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken cancellationToken) =>
        QueryAsync(address.GetArpaName(), QueryType.PTR, records => records.OfType<PtrRecord>().Select(r => r.PtrDomainName.Value.TrimEnd('.')).ToList(), cancellationToken);

    private async Task<DnsAnswer<T>> QueryAsync<T>(
        string name, QueryType type, Func<IEnumerable<DnsResourceRecord>, List<T>> select, CancellationToken cancellationToken)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(name, type, QueryClass.IN, cancellationToken);
        }
        catch (DnsResponseException e)
        {
            return DnsAnswer<T>.Failure($"{type} {name}: {e.Code} {e.Message}");
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or TimeoutException or OperationCanceledException
                                   && !cancellationToken.IsCancellationRequested)
        {
            return DnsAnswer<T>.Failure($"{type} {name}: {e.Message}");
        }

        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
        {
            return new DnsAnswer<T>(DnsStatus.NxDomain, [], TtlOf(response.Authorities));
        }
        if (response.HasError)
        {
            return DnsAnswer<T>.Failure($"{type} {name}: {response.Header.ResponseCode} {response.ErrorMessage}");
        }
        var records = select(response.Answers);
        return records.Count == 0
            ? new DnsAnswer<T>(DnsStatus.NoRecords, [], TtlOf(response.Authorities))
            : new DnsAnswer<T>(DnsStatus.Ok, records, TtlOf(response.Answers));
    }

    private static TimeSpan TtlOf(IEnumerable<DnsResourceRecord> records) =>
        TimeSpan.FromSeconds(records.Select(r => r.InitialTimeToLive).DefaultIfEmpty(300).Min());
}
