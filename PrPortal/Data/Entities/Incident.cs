namespace PrPortal.Data.Entities;

public enum IncidentStatus
{
    Open = 1,
    Resolved = 2,
    /// <summary>Joined into another incident (<see cref="Incident.MergedIntoId"/>).</summary>
    Merged = 3,
}

/// <summary>Whose mail an incident is about: live traffic never merges with a drill or a test send.</summary>
public enum IncidentClass
{
    Live = 0,
    Drill = 1,
    Test = 2,
}

/// <summary>A delivery problem: which IPs are refused by which providers, since when, and what happened.</summary>
public class Incident
{
    public int Id { get; set; }
    public required string Title { get; set; }
    public IncidentStatus Status { get; set; } = IncidentStatus.Open;
    public DateTime OpenedAtUtc { get; set; }
    public DateTime LastEventAtUtc { get; set; }
    public DateTime? ResolvedAtUtc { get; set; }
    public IncidentClass Class { get; set; }
    public int? MergedIntoId { get; set; }
    public List<IncidentCell> Cells { get; set; } = [];
    public List<IncidentEvent> Events { get; set; } = [];
}

/// <summary>One sending IP × provider inside an incident.</summary>
public class IncidentCell
{
    public int Id { get; set; }
    public int IncidentId { get; set; }
    public required string SourceIp { get; set; }
    public required string ProviderId { get; set; }
    public required string Kind { get; set; }
    public DateTime DetectedAtUtc { get; set; }
    public DateTime? RecoveredAtUtc { get; set; }
    public string? SampleReply { get; set; }
}

/// <summary>The incident's timeline: detections, merges, recoveries, resolution.</summary>
public class IncidentEvent
{
    public long Id { get; set; }
    public int IncidentId { get; set; }
    public DateTime AtUtc { get; set; }
    public required string Kind { get; set; }
    public string? SourceIp { get; set; }
    public string? ProviderId { get; set; }
    public required string Message { get; set; }
}
