namespace PrPortal.Features.Delivery;

/// <summary>Section "Delivery": how the delivery engine reaches recipients' servers.</summary>
public sealed record DeliveryOptions
{
    /// <summary>"direct" to the recipient domain's MX hosts, or "relay" through a smarthost per IP pool.</summary>
    public string Mode { get; init; } = "direct";
    /// <summary>The port of MX hosts (25; the sandbox's simulators listen on their own).</summary>
    public int SmtpPort { get; init; } = 25;
    public string HeloName { get; init; } = "mail.prportal.example";
    public double ConnectTimeoutSeconds { get; init; } = 30;
    public double CommandTimeoutSeconds { get; init; } = 60;
    public int MaxConnectionsPerIp { get; init; } = 8;
    public int MaxConnectionsPerProvider { get; init; } = 32;
    public int MaxIdleConnectionsPerHost { get; init; } = 4;
    public double IdleTimeoutSeconds { get; init; } = 30;
    /// <summary>Relay per pool role ("Primary", "Spare") as "host:port"; used in relay mode.</summary>
    public Dictionary<string, string> Relays { get; init; } = [];
    /// <summary>Relay credentials: from the environment (Delivery__RelayUsername / Delivery__RelayPassword), never committed.</summary>
    public string? RelayUsername { get; init; }
    public string? RelayPassword { get; init; }
    /// <summary>PrPortal's JSON-lines delivery log, one line per attempt (relative to the content root); empty turns it off.</summary>
    public string? LogFile { get; init; }

    public bool IsRelay => string.Equals(Mode, "relay", StringComparison.OrdinalIgnoreCase);
}
