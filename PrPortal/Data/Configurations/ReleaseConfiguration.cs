using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PrPortal.Data.Entities;

namespace PrPortal.Data.Configurations;

public class ReleaseConfiguration : IEntityTypeConfiguration<Release>
{
    public void Configure(EntityTypeBuilder<Release> builder)
    {
        builder.Property(r => r.Title).HasMaxLength(500);
        builder.Property(r => r.FromAddress).HasMaxLength(320);
        builder.Property(r => r.Subject).HasMaxLength(998);
        builder.Property(r => r.ContentHash).HasMaxLength(64);
        builder.Ignore(r => r.HasBody);
        builder.HasOne(r => r.Company).WithMany(c => c.Releases).HasForeignKey(r => r.CompanyId);
        builder.HasIndex(r => r.PublishedAtUtc);
    }
}

public class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.Property(a => a.Actor).HasMaxLength(256);
        builder.Property(a => a.Action).HasMaxLength(64);
        builder.Property(a => a.Subject).HasMaxLength(320);
        builder.Property(a => a.Detail).HasMaxLength(4000);
        builder.HasIndex(a => a.AtUtc);
    }
}
