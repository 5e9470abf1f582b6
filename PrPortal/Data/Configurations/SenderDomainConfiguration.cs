using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PrPortal.Data.Entities;

namespace PrPortal.Data.Configurations;

public class SenderDomainConfiguration : IEntityTypeConfiguration<SenderDomain>
{
    public void Configure(EntityTypeBuilder<SenderDomain> builder)
    {
        builder.Property(d => d.Domain).HasMaxLength(253);
        builder.Property(d => d.Selector).HasMaxLength(63);
        builder.Property(d => d.SpfResult).HasMaxLength(20);
        builder.Property(d => d.DkimStatus).HasMaxLength(20);
        builder.Property(d => d.DmarcStatus).HasMaxLength(20);
        builder.HasIndex(d => d.Domain).IsUnique();
        builder.HasOne(d => d.Company).WithMany().HasForeignKey(d => d.CompanyId);
    }
}
