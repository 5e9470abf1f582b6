namespace PrPortal.Data.Entities;

/// <summary>
/// Something a person, a machine caller or a job changed that is not a routing change (those have their
/// own history): a release replaced by a later version, a lockout lifted. Action is a code the audit
/// page renders per language; Detail holds the parameters as they were.
/// </summary>
public class AuditEntry
{
    public long Id { get; set; }
    public DateTime AtUtc { get; set; }
    public required string Actor { get; set; }
    /// <summary>A code such as "release.replaced" or "user.unlocked".</summary>
    public required string Action { get; set; }
    /// <summary>What it was done to, e.g. "release 12" or a user's address.</summary>
    public required string Subject { get; set; }
    public string? Detail { get; set; }
}
