namespace PrPortal.Data.Entities;

public enum AttemptOutcome
{
    Accepted = 1,
    Deferred = 2,
    Rejected = 3,
    Error = 4,
}

/// <summary>One SMTP transaction for a delivery; the reply text is kept verbatim.</summary>
public class DeliveryAttempt
{
    public long Id { get; set; }
    public long DeliveryId { get; set; }
    public Delivery? Delivery { get; set; }
    public DateTime AttemptedAtUtc { get; set; }
    public int SendingIpId { get; set; }
    public SendingIp? SendingIp { get; set; }
    public required string ProviderId { get; set; }
    public MailboxProvider? Provider { get; set; }
    public string? MxHost { get; set; }
    public int? ReplyCode { get; set; }
    public string? EnhancedStatus { get; set; }
    public string? ReplyText { get; set; }
    /// <summary>What went wrong when there was no reply to record (connection refused, reset, timeout).</summary>
    public string? Error { get; set; }
    /// <summary>Reason in Sisimai's vocabulary (blocked, userunknown, …).</summary>
    public string? Reason { get; set; }
    /// <summary>The sending IP, not the recipient or the message, caused the failure.</summary>
    public bool IpBlock { get; set; }
    /// <summary>The blocklist or provider rule the reply names (spamhaus, microsoft, …).</summary>
    public string? BlockList { get; set; }
    public AttemptOutcome Outcome { get; set; }
    public TrafficClass TrafficClass { get; set; }
    /// <summary>A refusal older than the delivery's acceptance: kept as history, changes nothing.</summary>
    public bool Stale { get; set; }
}
