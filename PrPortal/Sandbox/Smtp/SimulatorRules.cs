using System.Collections.Concurrent;
using System.Net;

namespace PrPortal.Sandbox.Smtp;

/// <summary>Where and how a provider simulator turns a sending IP away.</summary>
public enum BlockStage
{
    /// <summary>4xx or 5xx instead of the greeting, then the connection closes.</summary>
    Greeting,
    /// <summary>The reply to MAIL FROM (Outlook.com's S3150).</summary>
    MailFrom,
    /// <summary>The reply to each RCPT TO (Microsoft 365's 5.7.606).</summary>
    Rcpt,
    /// <summary>The reply after the message data (Gmail's 421-4.7.28 rate limit).</summary>
    AfterData,
    /// <summary>A TCP reset in the middle of the data (au).</summary>
    ResetInData,
    /// <summary>Accepts the connection and never says a word.</summary>
    Silence,
}

/// <summary>A reply the simulator gives; "{ip}" is replaced with the sender's production address.</summary>
public sealed record SimulatedReply(BlockStage Stage, string Text);

/// <summary>
/// A provider simulator's behaviour, changeable while it runs: which sending IPs it blocks and how,
/// and which addresses are unknown or full. Keyed by the production address the sandbox IP stands for.
/// </summary>
public sealed class SimulatorRules
{
    private readonly ConcurrentDictionary<string, SimulatedReply> _blockedIps = new();
    private readonly ConcurrentDictionary<string, string> _addressReplies = new(StringComparer.OrdinalIgnoreCase);

    public void Block(string ip, SimulatedReply reply) => _blockedIps[ip] = reply;

    public void Unblock(string ip) => _blockedIps.TryRemove(ip, out _);

    public void UnblockAll() => _blockedIps.Clear();

    public IReadOnlyCollection<string> BlockedIps => _blockedIps.Keys.ToList();

    /// <summary>A per-recipient reply to RCPT TO, e.g. "550 5.1.1 … User unknown".</summary>
    public void SetAddressReply(string address, string reply) => _addressReplies[address] = reply;

    public void ClearAddressReply(string address) => _addressReplies.TryRemove(address, out _);

    public SimulatedReply? BlockFor(string ip) => _blockedIps.TryGetValue(ip, out var reply) ? reply : null;

    public string? AddressReply(string address) => _addressReplies.TryGetValue(address, out var reply) ? reply : null;
}
