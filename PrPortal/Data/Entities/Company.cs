namespace PrPortal.Data.Entities;

/// <summary>A releasing company (配信元企業); its account manager is a portal user.</summary>
public class Company
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public string? ContactEmail { get; set; }
    public string? AccountManagerId { get; set; }
    public PortalUser? AccountManager { get; set; }
    public List<Release> Releases { get; set; } = [];
}
