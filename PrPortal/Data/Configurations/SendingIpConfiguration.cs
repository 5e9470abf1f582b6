using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PrPortal.Data.Entities;

namespace PrPortal.Data.Configurations;

public class SendingIpConfiguration : IEntityTypeConfiguration<SendingIp>
{
    public void Configure(EntityTypeBuilder<SendingIp> builder)
    {
        builder.Property(i => i.Address).HasMaxLength(45);
        builder.Property(i => i.HostName).HasMaxLength(253);
        builder.Property(i => i.BindAddress).HasMaxLength(45);
        builder.Property(i => i.Transport).HasMaxLength(100);
        builder.HasIndex(i => i.Address).IsUnique();
    }
}
