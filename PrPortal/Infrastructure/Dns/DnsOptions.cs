using System.Net;

namespace PrPortal.Infrastructure.Dns;

/// <summary>Section "Dns".</summary>
public sealed record DnsOptions
{
    /// <summary>Servers as "host" or "host:port"; empty means the system's resolvers.</summary>
    public string[] Servers { get; init; } = [];
    public double TimeoutSeconds { get; init; } = 3;
    public int Retries { get; init; } = 1;

    public IReadOnlyList<IPEndPoint> Endpoints() => Servers.Select(Parse).ToList();

    public static IPEndPoint Parse(string server)
    {
        if (IPEndPoint.TryParse(server, out var endpoint))
        {
            return endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, 53) : endpoint;
        }
        throw new FormatException($"'{server}' is not an IP address or IP:port.");
    }
}
