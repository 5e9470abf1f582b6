using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PrPortal.Data.Entities;
using PrPortal.Features.Providers;

namespace PrPortal.Data.Configurations;

public class MailboxProviderConfiguration : IEntityTypeConfiguration<MailboxProvider>
{
    public void Configure(EntityTypeBuilder<MailboxProvider> builder)
    {
        builder.Property(p => p.Id).HasMaxLength(40);
        builder.Property(p => p.Name).HasMaxLength(100);
        builder.Property(p => p.NameJa).HasMaxLength(100);
        builder.Property(p => p.MxSuffixes).HasMaxLength(1000);
        builder.HasData(MailboxProviderCatalog.All);
    }
}
