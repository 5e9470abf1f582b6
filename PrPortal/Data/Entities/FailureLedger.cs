namespace PrPortal.Data.Entities;

/// <summary>
/// One delivery that ended refused: its final reason, the IP and provider that refused it, and who it
/// touches (release, company, recipient category). Kept by database triggers on every attempt insert,
/// whatever wrote the attempt (the engine, ingestion, the bounce mailbox, the demo), so the affected
/// reports read a few hundred thousand rows instead of every delivery.
/// </summary>
public class FailedDelivery
{
    public long DeliveryId { get; set; }
    public int ReleaseId { get; set; }
    public int CompanyId { get; set; }
    public int RecipientId { get; set; }
    public RecipientCategory Category { get; set; }
    public required string ProviderId { get; set; }
    public int SendingIpId { get; set; }
    public string? Reason { get; set; }
    public bool IpBlock { get; set; }
    public DateTime FailedAtUtc { get; set; }
    /// <summary>A later attempt (a retry or a resend) was accepted.</summary>
    public DateTime? DeliveredAtUtc { get; set; }
    public ResendState ResendState { get; set; }
}

public enum ResendState
{
    NotResent = 0,
    Queued = 1,
    Resent = 2,
}

public enum ContactStatus
{
    NotContacted = 0,
    Contacted = 1,
    Agreed = 2,
    Declined = 3,
}

/// <summary>An account manager's contact with a company about an incident's failed mail (null incident: a period report).</summary>
public class CompanyContact
{
    public int Id { get; set; }
    public int CompanyId { get; set; }
    public Company? Company { get; set; }
    public int? IncidentId { get; set; }
    public ContactStatus Status { get; set; }
    public string? Note { get; set; }
    public required string UpdatedBy { get; set; }
    public DateTime UpdatedAtUtc { get; set; }
}
