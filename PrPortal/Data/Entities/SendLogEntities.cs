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
    public TrafficClass TrafficClass { get; set; }
    public int Count { get; set; }
}

/// <summary>
/// How far a file was read, known by its identity (device and inode), so a renamed or rotated file is
/// read on from where it stopped. Committed in the same transaction as the records it covers.
/// </summary>
public class FileCheckpoint
{
    public int Id { get; set; }
    /// <summary>"device:inode" of the file.</summary>
    public required string FileKey { get; set; }
    public required string Path { get; set; }
    /// <summary>Bytes read, always at a line's end.</summary>
    public long Offset { get; set; }
    /// <summary>Lines read up to <see cref="Offset"/>.</summary>
    public long Lines { get; set; }
    /// <summary>Hash of the bytes just before <see cref="Offset"/>: tells a file rewritten in place from one that grew.</summary>
    public string TailHash { get; set; } = "";
    public DateTime UpdatedAtUtc { get; set; }
}

/// <summary>The stable key of a record already taken in (hashed): the same input again adds nothing.</summary>
public class RecordKey
{
    public required byte[] Hash { get; set; }
    public DateTime AtUtc { get; set; }
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
