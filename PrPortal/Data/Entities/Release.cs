namespace PrPortal.Data.Entities;

public class Release
{
    public int Id { get; set; }
    public int CompanyId { get; set; }
    public Company? Company { get; set; }
    public required string Title { get; set; }
    public DateTime PublishedAtUtc { get; set; }
    public required string FromAddress { get; set; }
    /// <summary>The subject the release went out with; the title when the distribution system gave none.</summary>
    public string? Subject { get; set; }
    /// <summary>The release body as the editor wrote it (HTML); its links are checked before sending. Null for releases known only from logs.</summary>
    public string? Html { get; set; }
    /// <summary>The plain-text part as the distribution system sent it. Null when only HTML (or nothing) is stored.</summary>
    public string? Text { get; set; }
    /// <summary>The URLs of the release's images, one per line, as the distribution system named them.</summary>
    public string? ImageUrls { get; set; }
    /// <summary>How often the distribution system sent a changed content for this release (0: never imported).</summary>
    public int Version { get; set; }
    /// <summary>SHA-256 of the imported content, so the same release sent again changes nothing.</summary>
    public string? ContentHash { get; set; }
    public DateTime? ImportedAtUtc { get; set; }

    /// <summary>Whether a resend can carry the release itself (its HTML or text is stored).</summary>
    public bool HasBody => Html is not null || Text is not null;
}
