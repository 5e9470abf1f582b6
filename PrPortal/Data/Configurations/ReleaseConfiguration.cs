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
        builder.HasOne(r => r.Company).WithMany(c => c.Releases).HasForeignKey(r => r.CompanyId);
        builder.HasIndex(r => r.PublishedAtUtc);
    }
}
