using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using PrPortal.Data.Entities;

namespace PrPortal.Data;

public class PortalDbContext(DbContextOptions<PortalDbContext> options)
    : IdentityDbContext<PortalUser, IdentityRole, string>(options)
{
    public DbSet<Company> Companies => Set<Company>();
    public DbSet<Release> Releases => Set<Release>();
    public DbSet<Recipient> Recipients => Set<Recipient>();
    public DbSet<Delivery> Deliveries => Set<Delivery>();
    public DbSet<DeliveryAttempt> DeliveryAttempts => Set<DeliveryAttempt>();
    public DbSet<SendingIp> SendingIps => Set<SendingIp>();
    public DbSet<MailboxProvider> MailboxProviders => Set<MailboxProvider>();
    public DbSet<AttemptRollup> AttemptRollups => Set<AttemptRollup>();
    public DbSet<FileCheckpoint> FileCheckpoints => Set<FileCheckpoint>();
    public DbSet<RecordKey> RecordKeys => Set<RecordKey>();
    public DbSet<IngestRejection> IngestRejections => Set<IngestRejection>();
    public DbSet<Incident> Incidents => Set<Incident>();
    public DbSet<IncidentCell> IncidentCells => Set<IncidentCell>();
    public DbSet<IncidentEvent> IncidentEvents => Set<IncidentEvent>();
    public DbSet<DailyReport> DailyReports => Set<DailyReport>();
    public DbSet<BlocklistZone> BlocklistZones => Set<BlocklistZone>();
    public DbSet<BlocklistResult> BlocklistResults => Set<BlocklistResult>();
    public DbSet<BlocklistListing> BlocklistListings => Set<BlocklistListing>();
    public DbSet<DelistingRequest> DelistingRequests => Set<DelistingRequest>();
    public DbSet<SndsDataRow> SndsDataRows => Set<SndsDataRow>();
    public DbSet<SndsIpStatusRange> SndsIpStatusRanges => Set<SndsIpStatusRange>();
    public DbSet<SndsImport> SndsImports => Set<SndsImport>();
    public DbSet<RoutingExclusion> RoutingExclusions => Set<RoutingExclusion>();
    public DbSet<FailedDelivery> FailedDeliveries => Set<FailedDelivery>();
    public DbSet<CompanyContact> CompanyContacts => Set<CompanyContact>();
    public DbSet<ResendBatch> ResendBatches => Set<ResendBatch>();
    public DbSet<ResendItem> ResendItems => Set<ResendItem>();
    public DbSet<NoticeTemplate> NoticeTemplates => Set<NoticeTemplate>();
    public DbSet<ResendPolicySetting> ResendPolicySettings => Set<ResendPolicySetting>();
    public DbSet<SenderDomain> SenderDomains => Set<SenderDomain>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<ConsentRequest> ConsentRequests => Set<ConsentRequest>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(PortalDbContext).Assembly);
    }

    // Every timestamp is UTC; SQLite stores no kind, so reads are marked UTC explicitly.
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}
