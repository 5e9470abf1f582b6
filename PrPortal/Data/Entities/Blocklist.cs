namespace PrPortal.Data.Entities;

/// <summary>A DNS blocklist zone as staff configure it: where to ask and what its answers mean.</summary>
public class BlocklistZone
{
    public int Id { get; set; }
    public required string Name { get; set; }
    /// <summary>The zone queried, e.g. "zen.spamhaus.org" or a Spamhaus DQS key zone.</summary>
    public required string QueryDomain { get; set; }
    /// <summary>Answer codes that mean a listing, with what each means: "127.0.0.2=SBL;127.0.0.3=CSS". Empty: any 127.0.0.x.</summary>
    public string ListingCodes { get; set; } = "";
    /// <summary>Answer codes that mean the query itself failed (Spamhaus 127.255.255.252/254/255): "127.255.255.254;…".</summary>
    public string ErrorCodes { get; set; } = "";
    public int Weight { get; set; } = 1;
    public bool Enabled { get; set; } = true;
    /// <summary>Where to ask for removal (a URL or an address), shown next to its listings.</summary>
    public string? DelistUrl { get; set; }
}

public enum BlocklistStatus
{
    Clean = 0,
    Listed = 1,
    /// <summary>No trustworthy answer: timeout, SERVFAIL, an error code, or the zone failed its test points.</summary>
    Unknown = 2,
}

/// <summary>The latest check of one sending IP against one zone (one row per IP × zone).</summary>
public class BlocklistResult
{
    public long Id { get; set; }
    public int SendingIpId { get; set; }
    public int ZoneId { get; set; }
    public BlocklistStatus Status { get; set; }
    public string? Codes { get; set; }
    public string? Reason { get; set; }
    public DateTime CheckedAtUtc { get; set; }
}

/// <summary>
/// One interval during which an IP was on a list: from first seen to delisted (null while listed).
/// Kind "dnsbl" (ZoneId set) or "microsoft-snds".
/// </summary>
public class BlocklistListing
{
    public long Id { get; set; }
    public int SendingIpId { get; set; }
    public SendingIp? SendingIp { get; set; }
    public int? ZoneId { get; set; }
    public BlocklistZone? Zone { get; set; }
    public required string Kind { get; set; }
    public string? Codes { get; set; }
    public string? Reason { get; set; }
    public DateTime FirstSeenUtc { get; set; }
    public DateTime LastSeenUtc { get; set; }
    public DateTime? DelistedAtUtc { get; set; }
    public string? Note { get; set; }
    public List<DelistingRequest> Requests { get; set; } = [];
}

public enum DelistingRequestStatus
{
    Requested = 0,
    Granted = 1,
    Refused = 2,
}

/// <summary>A removal request made for a listing: where, when, by whom, and how it ended.</summary>
public class DelistingRequest
{
    public long Id { get; set; }
    public long ListingId { get; set; }
    public required string Where { get; set; }
    public DateTime RequestedAtUtc { get; set; }
    public required string RequestedBy { get; set; }
    public DelistingRequestStatus Status { get; set; }
    public string? Note { get; set; }
}
