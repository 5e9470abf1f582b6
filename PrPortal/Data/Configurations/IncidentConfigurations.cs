using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PrPortal.Data.Entities;

namespace PrPortal.Data.Configurations;

public class IncidentConfiguration : IEntityTypeConfiguration<Incident>
{
    public void Configure(EntityTypeBuilder<Incident> builder)
    {
        builder.Property(i => i.Title).HasMaxLength(300);
        builder.HasMany(i => i.Cells).WithOne().HasForeignKey(c => c.IncidentId);
        builder.HasMany(i => i.Events).WithOne().HasForeignKey(e => e.IncidentId);
        builder.HasIndex(i => new { i.Status, i.OpenedAtUtc });
        builder.HasIndex(i => new { i.Class, i.Status });
    }
}

public class IncidentCellConfiguration : IEntityTypeConfiguration<IncidentCell>
{
    public void Configure(EntityTypeBuilder<IncidentCell> builder)
    {
        builder.Property(c => c.SourceIp).HasMaxLength(45);
        builder.Property(c => c.ProviderId).HasMaxLength(40);
        builder.Property(c => c.Kind).HasMaxLength(40);
        builder.Property(c => c.SampleReply).HasMaxLength(2000);
        builder.HasIndex(c => new { c.IncidentId, c.SourceIp, c.ProviderId }).IsUnique();
    }
}

public class IncidentEventConfiguration : IEntityTypeConfiguration<IncidentEvent>
{
    public void Configure(EntityTypeBuilder<IncidentEvent> builder)
    {
        builder.Property(e => e.Kind).HasMaxLength(40);
        builder.Property(e => e.SourceIp).HasMaxLength(45);
        builder.Property(e => e.ProviderId).HasMaxLength(40);
        builder.Property(e => e.Message).HasMaxLength(2000);
        builder.HasIndex(e => new { e.IncidentId, e.AtUtc });
    }
}

public class DailyReportConfiguration : IEntityTypeConfiguration<DailyReport>
{
    public void Configure(EntityTypeBuilder<DailyReport> builder) => builder.HasIndex(r => r.Day).IsUnique();
}
