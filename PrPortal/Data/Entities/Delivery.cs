namespace PrPortal.Data.Entities;

/// <summary>
/// Why a mail was sent. Only customer mail and resends count as damage (failure ledger, affected
/// reports, automatic resend); probes, test sends and drills are watched but never repaired.
/// </summary>
public enum TrafficClass
{
    Customer = 0,
    Resend = 1,
    Probe = 2,
    Test = 3,
    Drill = 4,
    /// <summary>A notice to recipients about mail they missed: service mail, tied to no delivery, never damage.</summary>
    Notice = 5,
}

public enum DeliveryStatus
{
    Pending = 0,
    Delivered = 1,
    Deferred = 2,
    Failed = 3,
}

/// <summary>One release to one recipient; its attempts say how it went.</summary>
public class Delivery
{
    public long Id { get; set; }
    public int ReleaseId { get; set; }
    public Release? Release { get; set; }
    public int RecipientId { get; set; }
    public Recipient? Recipient { get; set; }
    public DateTime QueuedAtUtc { get; set; }
    public DeliveryStatus Status { get; set; }
    /// <summary>While deferred: when the next attempt is due (null: not queued for a retry).</summary>
    public DateTime? NextAttemptAtUtc { get; set; }
    /// <summary>How often it was deferred so far; the retry schedule grows with it.</summary>
    public int Deferrals { get; set; }
    public TrafficClass TrafficClass { get; set; }
    public List<DeliveryAttempt> Attempts { get; set; } = [];
}
