namespace PrPortal.Data.Entities;

/// <summary>A mailbox provider, keyed by a stable slug (microsoft-consumer, google, …).</summary>
public class MailboxProvider
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    public required string NameJa { get; set; }
    /// <summary>MX host suffixes that identify the provider, separated by spaces.</summary>
    public string MxSuffixes { get; set; } = "";
    public int SortOrder { get; set; }
}
