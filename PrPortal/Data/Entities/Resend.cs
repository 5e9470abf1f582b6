namespace PrPortal.Data.Entities;

public enum ResendBatchState
{
    Queued = 0,
    Running = 1,
    Paused = 2,
    Cancelled = 3,
    Completed = 4,
}

/// <summary>What a batch sends: the failed releases again, or a notice to the recipients who missed them.</summary>
public enum BatchKind
{
    Resend = 0,
    /// <summary>One mail per affected recipient telling them of the fault (subject and text in the batch).</summary>
    RecipientNotice = 1,
}

/// <summary>Chosen failed deliveries sent again, with the delay notice kept as it was sent.</summary>
public class ResendBatch
{
    public BatchKind Kind { get; set; }
    public int Id { get; set; }
    /// <summary>What was chosen, readable ("incident 3 · company 12"); two equal scopes never run at once.</summary>
    public required string Scope { get; set; }
    public int? IncidentId { get; set; }
    public int? CompanyId { get; set; }
    public ResendBatchState State { get; set; }
    public bool Automatic { get; set; }
    public required string StartedBy { get; set; }
    public string? ConsentReference { get; set; }
    public DateTime CreatedAtUtc { get; set; }
    public DateTime? FinishedAtUtc { get; set; }
    public required string Language { get; set; }
    public string? SubjectPrefix { get; set; }
    public required string NoticeHtml { get; set; }
    public required string NoticeText { get; set; }
    /// <summary>Only items delayed at least this long get the notice (0: every item).</summary>
    public int NoticeAfterMinutes { get; set; }
    public int ExcludedOwnReason { get; set; }
    public int ExcludedDelivered { get; set; }
    public int ExcludedUnsubscribed { get; set; }
    public int ExcludedElsewhere { get; set; }
    public int ExcludedNoConsent { get; set; }
    /// <summary>Failed mails whose release has no stored content: never resent as a stand-in.</summary>
    public int ExcludedNoBody { get; set; }
    /// <summary>Items per category when the batch was made, e.g. "MediaUser=12;IndividualUser=3".</summary>
    public string? Counts { get; set; }
    /// <summary>Why the batch stopped or what it ended with, in words.</summary>
    public string? Outcome { get; set; }
    public List<ResendItem> Items { get; set; } = [];
}

public enum ResendItemState
{
    Pending = 0,
    /// <summary>Written before the SMTP transaction: a restart sends it again with the same Message-ID.</summary>
    Sending = 1,
    Sent = 2,
    Failed = 3,
    Skipped = 4,
}

/// <summary>The ledger of one (delivery, batch): written before and after each send.</summary>
public class ResendItem
{
    public long Id { get; set; }
    public int BatchId { get; set; }
    public ResendBatch? Batch { get; set; }
    public long DeliveryId { get; set; }
    public RecipientCategory Category { get; set; }
    public required string ProviderId { get; set; }
    public ResendItemState State { get; set; }
    public required string MessageId { get; set; }
    public int Tries { get; set; }
    /// <summary>When the latest try began; an acceptance recorded after it means the try got through.</summary>
    public DateTime? TriedAtUtc { get; set; }
    public DateTime? SentAtUtc { get; set; }
    public string? SourceIp { get; set; }
    public string? Reply { get; set; }
    /// <summary>The runner (process and instance) that holds the item while it is "sending".</summary>
    public string? ClaimedBy { get; set; }
    /// <summary>Until when the claim holds; only an item whose lease has run out is settled by another runner.</summary>
    public DateTime? LeaseUntilUtc { get; set; }
}

/// <summary>A delay notice template per language; placeholders {original_sent_at}, {release_title}, {company}.</summary>
public class NoticeTemplate
{
    public required string Language { get; set; }
    public string? SubjectPrefix { get; set; }
    public required string Html { get; set; }
    public required string Text { get; set; }
    public required string UpdatedBy { get; set; }
    public DateTime UpdatedAtUtc { get; set; }
}

/// <summary>The automatic resend policy as set in the portal (one row; config gives the defaults).</summary>
public class ResendPolicySetting
{
    public int Id { get; set; }
    public bool AutoEnabled { get; set; }
    public int AutoWithinHours { get; set; }
    public int NoticeAfterMinutes { get; set; }
    public int PerProviderPerMinute { get; set; }
    public required string UpdatedBy { get; set; }
    public DateTime UpdatedAtUtc { get; set; }
}
