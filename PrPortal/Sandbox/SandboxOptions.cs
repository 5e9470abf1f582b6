namespace PrPortal.Sandbox;

/// <summary>Section "Sandbox": the mail world on loopback.</summary>
public sealed record SandboxOptions
{
    /// <summary>Starts the sandbox with the portal; defaults to Demo:Enabled.</summary>
    public bool? Enabled { get; init; }
    /// <summary>The sandbox DNS server's port on 127.0.0.1; 0 picks a free one.</summary>
    public int DnsPort { get; init; } = 10053;
    /// <summary>The provider simulators listen on NETWORK.n (n = provider order) on this port.</summary>
    public string SimulatorNetwork { get; init; } = "127.0.2.0";
    public int SmtpPort { get; init; } = 2525;
    /// <summary>The sandbox's Microsoft SNDS answers over HTTP on 127.0.0.1 on this port; 0 picks a free one.</summary>
    public int SndsPort { get; init; } = 10080;
    /// <summary>The web the demo releases link to (company sites, a shortener, a blocklisted domain) listens on this address.</summary>
    public string LinkWorldAddress { get; init; } = "127.0.9.1";
    /// <summary>HTTP and HTTPS ports of that web; 0 picks free ones.</summary>
    public int LinkWorldPort { get; init; } = 10081;
    public int LinkWorldTlsPort { get; init; } = 10444;
    /// <summary>Apply the reference incident's blocks (39 primaries blocked by Microsoft) at start.</summary>
    public bool ApplyIncident { get; init; } = true;
}
