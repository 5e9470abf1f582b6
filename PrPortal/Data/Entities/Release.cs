namespace PrPortal.Data.Entities;

public class Release
{
    public int Id { get; set; }
    public int CompanyId { get; set; }
    public Company? Company { get; set; }
    public required string Title { get; set; }
    public DateTime PublishedAtUtc { get; set; }
    public required string FromAddress { get; set; }
}
