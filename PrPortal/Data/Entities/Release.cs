namespace PrPortal.Data.Entities;

public class Release
{
    public int Id { get; set; }
    public int CompanyId { get; set; }
    public Company? Company { get; set; }
    public required string Title { get; set; }
    public DateTime PublishedAtUtc { get; set; }
    public required string FromAddress { get; set; }
    /// <summary>The release body as the editor wrote it (HTML); its links are checked before sending. Null for releases known only from logs.</summary>
    public string? Html { get; set; }
}
