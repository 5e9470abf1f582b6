namespace PrPortal.Data.Entities;

/// <summary>
/// A mail an account manager sent a company asking whether to resend what failed: a signed link that
/// expires and is answered once. The link's secret is not stored, only its SHA-256.
/// </summary>
public class ConsentRequest
{
    public int Id { get; set; }
    public int CompanyId { get; set; }
    public Company? Company { get; set; }
    /// <summary>The incident whose failures it covers; null: the period below.</summary>
    public int? IncidentId { get; set; }
    public DateTime? FromUtc { get; set; }
    public DateTime? UntilUtc { get; set; }
    public required string Email { get; set; }
    /// <summary>"ja" or "en": the mail's and the answer page's language.</summary>
    public required string Language { get; set; }
    public required string SecretHash { get; set; }
    public required string CreatedBy { get; set; }
    public DateTime CreatedAtUtc { get; set; }
    public DateTime ExpiresAtUtc { get; set; }
    /// <summary>What the delivery engine said when the mail went out ("250 …", or the refusal).</summary>
    public string? SendReply { get; set; }
    public bool Sent { get; set; }
    public DateTime? AnsweredAtUtc { get; set; }
    public ContactStatus? Answer { get; set; }
    public string? AnswerNote { get; set; }
    /// <summary>The address the answer came from, as the portal saw it (behind a configured proxy: the client's).</summary>
    public string? AnsweredFrom { get; set; }
    /// <summary>The resend batch an agreement started.</summary>
    public int? BatchId { get; set; }
}
