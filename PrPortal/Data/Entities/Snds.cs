namespace PrPortal.Data.Entities;

/// <summary>One row of Microsoft SNDS "Data": one sending IP's traffic to Microsoft on one day.</summary>
public class SndsDataRow
{
    public long Id { get; set; }
    public DateOnly Day { get; set; }
    public required string Ip { get; set; }
    public DateTime? ActivityStartUtc { get; set; }
    public DateTime? ActivityEndUtc { get; set; }
    public int RcptCommands { get; set; }
    public int DataCommands { get; set; }
    public int Recipients { get; set; }
    /// <summary>GREEN, YELLOW or RED: the share of mail Microsoft's filter judged spam.</summary>
    public required string FilterResult { get; set; }
    /// <summary>As SNDS gives it, e.g. "&lt; 0.1%" or "0.6%".</summary>
    public string? ComplaintRate { get; set; }
    public int TrapHits { get; set; }
    public string? SampleHelo { get; set; }
    public string? SampleMailFrom { get; set; }
    public string? Comments { get; set; }
    public DateTime ImportedAtUtc { get; set; }
}

/// <summary>One row of Microsoft SNDS "IP Status": a range of IPs and whether Microsoft blocks it.</summary>
public class SndsIpStatusRange
{
    public long Id { get; set; }
    public required string FirstIp { get; set; }
    public required string LastIp { get; set; }
    public bool Blocked { get; set; }
    public string? Details { get; set; }
    public DateTime ImportedAtUtc { get; set; }
}

/// <summary>One SNDS import: what it brought, what it could not read, or why it failed.</summary>
public class SndsImport
{
    public long Id { get; set; }
    public DateTime AtUtc { get; set; }
    public bool Succeeded { get; set; }
    public DateOnly? Day { get; set; }
    public int DataRows { get; set; }
    public int StatusRanges { get; set; }
    public int BadRows { get; set; }
    /// <summary>The first bad rows, one per line, with what was wrong.</summary>
    public string? BadRowSamples { get; set; }
    public string? Error { get; set; }
}
