namespace PrPortal.Data.Entities;

public enum RecipientCategory
{
    MediaUser = 1,
    IndividualUser = 2,
    CuratedList = 3,
    ImportList = 4,
}

public class Recipient
{
    public int Id { get; set; }
    public required string Email { get; set; }
    /// <summary>Lower-case domain part of <see cref="Email"/>; providers are resolved per domain.</summary>
    public required string Domain { get; set; }
    public RecipientCategory Category { get; set; }
    /// <summary>Owner of an imported list; null for the service's own audiences.</summary>
    public int? CompanyId { get; set; }
    public Company? Company { get; set; }
    /// <summary>The recipient asked to stop receiving releases; never resent to.</summary>
    public DateTime? UnsubscribedAtUtc { get; set; }
}
