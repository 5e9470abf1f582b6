using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using PrPortal.Features.DemoWorld;
using PrPortal.Features.Providers;
using PrPortal.Sandbox.Dns;
using PrPortal.Sandbox.Smtp;

namespace PrPortal.Sandbox;

/// <summary>
/// The loopback mail world: a DNS server holding the recipient domains' MX records (the real providers'
/// MX host names, pointing at loopback), and one SMTP simulator per mailbox provider. Sending IPs are
/// loopback aliases; the simulators see them as the production addresses they stand for.
/// </summary>
public sealed class SandboxWorld : IAsyncDisposable
{
    private readonly ConcurrentDictionary<IPAddress, string> _production = new();
    private readonly Dictionary<string, ProviderSimulator> _simulators = [];
    private SandboxDnsServer? _dns;
    private Http.LoopbackHttpServer? _snds;
    private Http.LinkWorld? _links;

    public SandboxWorld(SandboxOptions options)
    {
        var dnsPort = options.DnsPort == 0 ? LoopbackPort.Pick() : options.DnsPort;
        DnsEndpoint = new IPEndPoint(IPAddress.Loopback, dnsPort);
        var network = IPAddress.Parse(options.SimulatorNetwork).GetAddressBytes();
        foreach (var provider in MailboxProviderCatalog.All.Where(p => p.Id != MailboxProviderCatalog.Unknown))
        {
            var address = new IPAddress([network[0], network[1], network[2], (byte)provider.SortOrder]);
            _simulators[provider.Id] = new ProviderSimulator(ProviderProfile.For(provider.Id), new IPEndPoint(address, options.SmtpPort), ProductionAddress);
        }
        RegisterDomains();
        SndsPort = options.SndsPort == 0 ? LoopbackPort.Pick() : options.SndsPort;
        var links = IPAddress.Parse(options.LinkWorldAddress);
        Options = options with
        {
            LinkWorldPort = options.LinkWorldPort == 0 ? LoopbackPort.Pick(links) : options.LinkWorldPort,
            LinkWorldTlsPort = options.LinkWorldTlsPort == 0 ? LoopbackPort.Pick(links) : options.LinkWorldTlsPort,
        };
    }

    /// <summary>The link web's address as a range for LinkRisk:AllowedTestRanges, and its ports.</summary>
    public string LinkWorldRange => Options.LinkWorldAddress + "/32";
    public int[] LinkWorldPorts => [Options.LinkWorldPort, Options.LinkWorldTlsPort];
    public Http.LinkWorld? Links => _links;

    /// <summary>The sandbox SNDS answers only this key, made anew each start, as the real one answers only yours.</summary>
    public string SndsKey { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
    public int SndsPort { get; }
    public string SndsBaseUrl => $"http://127.0.0.1:{SndsPort}/snds/";

    /// <summary>The production addresses of every mapped sending IP.</summary>
    public IReadOnlyList<string> SendingIps => _production.Values.Distinct().Order(StringComparer.Ordinal).ToList();

    public SandboxOptions Options { get; }
    public SandboxZones Zones { get; } = new();
    public IPEndPoint DnsEndpoint { get; }
    public bool IsRunning { get; private set; }
    public IReadOnlyDictionary<string, ProviderSimulator> Simulators => _simulators;

    public ProviderSimulator Simulator(string provider) => _simulators[provider];

    /// <summary>Tells the simulators which production address a loopback alias stands for.</summary>
    public void MapSendingIp(IPAddress bind, string productionAddress) => _production[bind] = productionAddress;

    public string ProductionAddress(IPAddress source) => _production.TryGetValue(source, out var address) ? address : source.ToString();

    /// <summary>The loopback alias that stands for a production address (what a relay binds to send on from it).</summary>
    public IPAddress? BindAddress(string productionAddress) => _production.FirstOrDefault(p => p.Value == productionAddress).Key;

    /// <summary>Blocks a sending IP at a provider with the provider's own block reply.</summary>
    public void Block(string provider, string productionAddress) =>
        Simulator(provider).Rules.Block(productionAddress, Simulator(provider).Profile.Block);

    public void Unblock(string provider, string productionAddress) => Simulator(provider).Rules.Unblock(productionAddress);

    public void Start()
    {
        _dns = new SandboxDnsServer(Zones, DnsEndpoint);
        _dns.Start();
        var snds = new Http.SandboxSnds(this, SndsKey, () => SendingIps, TimeProvider.System);
        _snds = new Http.LoopbackHttpServer(SndsPort, snds.Answer);
        foreach (var simulator in _simulators.Values)
        {
            simulator.Start();
        }
        _links = Http.LinkWorld.StartAsync(IPAddress.Parse(Options.LinkWorldAddress), Options.LinkWorldPort, Options.LinkWorldTlsPort).GetAwaiter().GetResult();
        Http.DemoLinkSites.Register(_links, Zones, DemoWorldCatalog.CompanyCount);
        IsRunning = true;
    }

    /// <summary>
    /// Every demo-world domain gets its provider's real MX host names, and each MX host points at that
    /// provider's simulator. Gmail has a backup MX, as the real one does.
    /// </summary>
    private void RegisterDomains()
    {
        foreach (var (provider, domains) in DemoWorldCatalog.DomainsByProvider())
        {
            var simulator = _simulators[provider].Endpoint.Address;
            foreach (var domain in domains)
            {
                Zones.SetMx(domain.Domain, (domain.MxHost, 10));
                Zones.SetA(domain.MxHost, simulator);
            }
        }
        var google = _simulators[MailboxProviderCatalog.Google].Endpoint.Address;
        Zones.SetMx("gmail.com", ("gmail-smtp-in.l.google.com", 5), ("alt1.gmail-smtp-in.l.google.com", 10));
        Zones.SetA("alt1.gmail-smtp-in.l.google.com", google);
        // The demo companies' own mail (consent requests reach their contacts): MX at the "other" simulator.
        var companies = _simulators[MailboxProviderCatalog.Other].Endpoint.Address;
        for (var i = 0; i < 1000; i++)
        {
            var domain = DemoWorldCatalog.CompanyDomain(i);
            Zones.SetMx(domain, ("mx." + domain, 10));
            Zones.SetA("mx." + domain, companies);
        }
        // The URI blocklists the link check asks, each with its published test point listed.
        Zones.AddUriBlocklists();
    }

    public async ValueTask DisposeAsync()
    {
        var dns = Interlocked.Exchange(ref _dns, null);
        dns?.Dispose();
        Interlocked.Exchange(ref _snds, null)?.Dispose();
        if (Interlocked.Exchange(ref _links, null) is { } links)
        {
            await links.DisposeAsync();
        }
        foreach (var simulator in _simulators.Values)
        {
            await simulator.DisposeAsync();
        }
        IsRunning = false;
    }
}
