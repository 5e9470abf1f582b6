using PrPortal.Data.Entities;

namespace PrPortal.Features.Reports;

/// <summary>
/// What an affected report covers: an incident (its IP × provider cells over their blocked time), or a
/// period with optional providers and IPs. Failures count when the cause is ours: an IP block, or a
/// reason staff add (expired, networkerror, …).
/// </summary>
public sealed record AffectedScope
{
    public int? IncidentId { get; init; }
    public DateTime? FromUtc { get; init; }
    public DateTime? UntilUtc { get; init; }
    public IReadOnlyList<string> Providers { get; init; } = [];
    public IReadOnlyList<int> SendingIpIds { get; init; } = [];
    public IReadOnlyList<string> ExtraReasons { get; init; } = [];
    /// <summary>Only these companies (an account manager's own); null: every company.</summary>
    public IReadOnlySet<int>? Companies { get; init; }

    public string Describe() => IncidentId is { } id ? $"incident {id}"
        : $"{FromUtc:yyyy-MM-dd HH:mm}–{UntilUtc:yyyy-MM-dd HH:mm} UTC"
          + (Providers.Count > 0 ? " · " + string.Join(",", Providers) : "")
          + (SendingIpIds.Count > 0 ? $" · {SendingIpIds.Count} IPs" : "");
}

public sealed record CategoryRow(RecipientCategory Category, int FailedAddresses, int FailedMails, int AffectedReleases,
    int NotResent, int Resent, int Declined);

public sealed record CompanyRow(int CompanyId, string Company, string? AccountManager, int AffectedReleases,
    IReadOnlyDictionary<RecipientCategory, int> FailedByCategory, int FailedMails, int NotResent, int Resent, int Declined,
    ContactStatus Contact, string? Note, string? ContactBy, DateTime? ContactAtUtc);

public sealed record ReleaseRow(int ReleaseId, string Title, DateTime PublishedAtUtc, int CompanyId, string Company,
    IReadOnlyDictionary<RecipientCategory, int> FailedByCategory, int FailedMails);

public sealed record DayRow(DateOnly Day, IReadOnlyDictionary<RecipientCategory, int> FailedByCategory);

public sealed record AffectedReport(
    AffectedScope Scope,
    DateTime FromUtc,
    DateTime UntilUtc,
    IReadOnlyList<CategoryRow> Categories,
    CategoryRow Totals,
    long MailsInPeriod,
    IReadOnlyList<CompanyRow> Companies,
    IReadOnlyList<ReleaseRow> Releases,
    IReadOnlyList<DayRow> Days,
    double Seconds)
{
    /// <summary>Failed mails as a share of every mail that reached a final answer in the period at the scope's providers.</summary>
    public double Share => MailsInPeriod == 0 ? 0 : Totals.FailedMails / (double)MailsInPeriod;
}

public static class RecipientCategories
{
    public static readonly RecipientCategory[] All =
        [RecipientCategory.MediaUser, RecipientCategory.IndividualUser, RecipientCategory.CuratedList, RecipientCategory.ImportList];

    /// <summary>The resource key of a category's name.</summary>
    public static string Key(RecipientCategory category) => "Category" + category;

    /// <summary>The resource key of a category's short name, for table headers (the full name on hover).</summary>
    public static string ShortKey(RecipientCategory category) => "CategoryShort" + category;
}
