using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PrPortal.Data.Entities;

namespace PrPortal.Data.Configurations;

public sealed class RoutingExclusionConfiguration : IEntityTypeConfiguration<RoutingExclusion>
{
    public void Configure(EntityTypeBuilder<RoutingExclusion> builder)
    {
        builder.Property(e => e.ProviderId).HasMaxLength(40);
        builder.Property(e => e.StartedBy).HasMaxLength(256);
        builder.Property(e => e.EndedBy).HasMaxLength(256);
        builder.HasIndex(e => new { e.SendingIpId, e.ProviderId, e.EndedAtUtc });
        builder.HasOne(e => e.SendingIp).WithMany().HasForeignKey(e => e.SendingIpId).OnDelete(DeleteBehavior.Cascade);
    }
}
