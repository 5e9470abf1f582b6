namespace PrPortal.Data.Entities;

/// <summary>Attempts counted per hour × sending IP × provider × outcome × reason: what health views read.</summary>
public class AttemptRollup
{
    public long Id { get; set; }
    public DateTime HourUtc { get; set; }
    public required string SourceIp { get; set; }
    public required string ProviderId { get; set; }
    public AttemptOutcome Outcome { get; set; }
    /// <summary>The classified reason; empty for acceptances.</summary>
    public string Reason { get; set; } = "";
    public bool IpBlock { get; set; }
    public int Count { get; set; }
}

/// <summary>How far a log file was read, so reading it again adds nothing.</summary>
public class IngestCheckpoint
{
    public int Id { get; set; }
    public required string Source { get; set; }
    public long LinesDone { get; set; }
    public DateTime UpdatedAtUtc { get; set; }
}

/// <summary>An input line that was not ingested, and why: shown to staff, never silently dropped.</summary>
public class IngestRejection
{
    public long Id { get; set; }
    public required string Source { get; set; }
    public long LineNumber { get; set; }
    public required string Reason { get; set; }
    public required string Excerpt { get; set; }
    public DateTime AtUtc { get; set; }
}
