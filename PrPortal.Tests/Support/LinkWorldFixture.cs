using System.Net;
using PrPortal.Features.LinkRisk;
using PrPortal.Features.SenderAuth;
using PrPortal.Infrastructure.Dns;
using PrPortal.Sandbox.Dns;
using PrPortal.Sandbox.Http;

namespace PrPortal.Tests.Support;

/// <summary>
/// The link checker's test world: the sandbox DNS (names and URI blocklists) on loopback, a web of
/// shorteners, chains and odd servers on 127.0.77.1 — the one range the tests allow — and a canary web
/// server on 127.0.78.1 that is never allowed and must never see a request.
/// </summary>
public sealed class LinkWorldFixture : IAsyncLifetime
{
    public static readonly IPAddress WebAddress = IPAddress.Parse("127.0.77.1");
    public static readonly IPAddress CanaryAddress = IPAddress.Parse("127.0.78.1");

    private SandboxDnsServer? _dnsServer;

    public SandboxZones Zones { get; } = new();
    public LinkWorld Web { get; private set; } = default!;
    public LinkWorld Canary { get; private set; } = default!;
    public IPEndPoint DnsEndpoint { get; } = new(IPAddress.Loopback, LoopbackPorts.FreeUdp());
    public IDnsResolver Dns { get; private set; } = default!;

    /// <summary>The options a test portal uses: the web world's range and ports allowed, nothing else.</summary>
    public LinkRiskOptions Options(Func<LinkRiskOptions, LinkRiskOptions>? change = null)
    {
        var options = new LinkRiskOptions
        {
            AllowedTestRanges = ["127.0.77.0/24"],
            AllowedPorts = [Web.HttpPort, Web.HttpsPort],
            HopSeconds = 2,
            TotalSeconds = 20,
        };
        return change is null ? options : change(options);
    }

    public LinkRiskChecker Checker(LinkRiskOptions? options = null, IDnsResolver? dns = null) =>
        new(options ?? Options(), dns ?? Dns, PublicSuffixList.Default, TimeProvider.System);

    public async Task InitializeAsync()
    {
        Zones.AddUriBlocklists();
        _dnsServer = new SandboxDnsServer(Zones, DnsEndpoint) { TimeoutFaultDelay = TimeSpan.FromSeconds(5) };
        _dnsServer.Start();
        Dns = new DnsClientResolver(new DnsOptions { Servers = [DnsEndpoint.ToString()], TimeoutSeconds = 1, Retries = 0 });
        Web = await LinkWorld.StartAsync(WebAddress);
        // The same ports as the web world: a name that changes its answer lands on the canary with the same URL.
        Canary = await LinkWorld.StartAsync(CanaryAddress, Web.HttpPort, Web.HttpsPort);
        Canary.Map("*", "/", context => Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(context.Response, "canary"));
    }

    /// <summary>Points a name at the web world.</summary>
    public void Host(string name, IPAddress? address = null) => Zones.SetA(name, address ?? WebAddress);

    public async Task DisposeAsync()
    {
        _dnsServer?.Dispose();
        await Web.DisposeAsync();
        await Canary.DisposeAsync();
    }
}
