using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using PrPortal.Data.Entities;
using PrPortal.Features.Delivery;
using PrPortal.Features.Providers;
using PrPortal.Infrastructure.Dns;
using PrPortal.Sandbox;

namespace PrPortal.Tests.Support;

/// <summary>
/// A running sandbox (DNS server and provider simulators on their own loopback network, so test
/// classes can run side by side) and a delivery engine that sends into it over real sockets.
/// </summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    private static int _networks;

    public SandboxFixture()
    {
        var n = Interlocked.Increment(ref _networks);
        var network = $"127.{100 + Environment.ProcessId % 100}.{(n * 7) % 250 + 1}.0";
        World = new SandboxWorld(new SandboxOptions { DnsPort = 0, SndsPort = 0, LinkWorldPort = 0, LinkWorldTlsPort = 0, SimulatorNetwork = network, SmtpPort = 2525 });
        // One retry: the first queries arrive while every test class is starting and the machine is at its busiest.
        Dns = new DnsClientResolver(new DnsOptions { Servers = [World.DnsEndpoint.ToString()], TimeoutSeconds = 1, Retries = 1 });
        Providers = new ProviderResolver(Dns, TimeProvider.System);
        Engine = NewEngine();
        NetworkPrefix = network[..network.LastIndexOf('.')];
    }

    public SandboxWorld World { get; }
    public IDnsResolver Dns { get; }
    public ProviderResolver Providers { get; }
    public DeliveryEngine Engine { get; }
    /// <summary>"127.x.y": addresses under it that no simulator uses are dead hosts.</summary>
    public string NetworkPrefix { get; }

    public DeliveryEngine NewEngine(DeliveryOptions? options = null) => new(Dns, Providers,
        options ?? new DeliveryOptions { SmtpPort = 2525, ConnectTimeoutSeconds = 2, CommandTimeoutSeconds = 2 },
        TimeProvider.System, NullLogger<DeliveryEngine>.Instance);

    /// <summary>A sending IP: production address 203.0.113.(9+n), bound to loopback alias 127.0.1.n.</summary>
    public SendingRoute Ip(int n)
    {
        var route = new SendingRoute(n, $"203.0.113.{9 + n}", IPAddress.Parse($"127.0.1.{n}"), SendingIpRole.Primary);
        World.MapSendingIp(route.Bind, route.Address);
        return route;
    }

    public Task InitializeAsync()
    {
        World.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Engine.DisposeAsync();
        await World.DisposeAsync();
    }
}
