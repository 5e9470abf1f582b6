using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PrPortal.Data.Entities;

namespace PrPortal.Data.Configurations;

public class RecipientConfiguration : IEntityTypeConfiguration<Recipient>
{
    public void Configure(EntityTypeBuilder<Recipient> builder)
    {
        builder.Property(r => r.Email).HasMaxLength(320);
        builder.Property(r => r.Domain).HasMaxLength(253);
        builder.HasIndex(r => new { r.Email, r.CompanyId }).IsUnique();
        builder.HasIndex(r => r.Domain);
        builder.HasOne(r => r.Company).WithMany().HasForeignKey(r => r.CompanyId);
    }
}
