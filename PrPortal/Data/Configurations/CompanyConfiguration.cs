using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PrPortal.Data.Entities;

namespace PrPortal.Data.Configurations;

public class CompanyConfiguration : IEntityTypeConfiguration<Company>
{
    public void Configure(EntityTypeBuilder<Company> builder)
    {
        builder.Property(c => c.Name).HasMaxLength(200);
        builder.Property(c => c.ContactEmail).HasMaxLength(320);
        builder.HasOne(c => c.AccountManager).WithMany().HasForeignKey(c => c.AccountManagerId)
            .OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(c => c.AccountManagerId);
    }
}
