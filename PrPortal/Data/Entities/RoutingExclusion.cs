namespace PrPortal.Data.Entities;

/// <summary>
/// A sending IP taken out of use for one mailbox provider: from when, by whom (a user, or "detector"), why,
/// and how it ended. Other providers keep using the IP. The rows are the routing audit log.
/// </summary>
public class RoutingExclusion
{
    public long Id { get; set; }
    public int SendingIpId { get; set; }
    public SendingIp? SendingIp { get; set; }
    public required string ProviderId { get; set; }
    public DateTime StartedAtUtc { get; set; }
    public required string StartedBy { get; set; }
    public required string Reason { get; set; }
    public int? IncidentId { get; set; }
    public DateTime? EndedAtUtc { get; set; }
    public string? EndedBy { get; set; }
    public string? EndReason { get; set; }
}
