using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PrPortal.Data.Entities;

namespace PrPortal.Data.Configurations;

public sealed class BlocklistZoneConfiguration : IEntityTypeConfiguration<BlocklistZone>
{
    public void Configure(EntityTypeBuilder<BlocklistZone> builder)
    {
        builder.Property(z => z.Name).HasMaxLength(100);
        builder.Property(z => z.QueryDomain).HasMaxLength(253);
        builder.HasIndex(z => z.QueryDomain).IsUnique();
    }
}

public sealed class BlocklistResultConfiguration : IEntityTypeConfiguration<BlocklistResult>
{
    public void Configure(EntityTypeBuilder<BlocklistResult> builder)
    {
        builder.HasIndex(r => new { r.SendingIpId, r.ZoneId }).IsUnique();
        builder.HasOne<SendingIp>().WithMany().HasForeignKey(r => r.SendingIpId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<BlocklistZone>().WithMany().HasForeignKey(r => r.ZoneId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class BlocklistListingConfiguration : IEntityTypeConfiguration<BlocklistListing>
{
    public void Configure(EntityTypeBuilder<BlocklistListing> builder)
    {
        builder.Property(l => l.Kind).HasMaxLength(40);
        builder.HasIndex(l => new { l.SendingIpId, l.ZoneId, l.Kind, l.DelistedAtUtc });
        builder.HasIndex(l => l.FirstSeenUtc);
        builder.HasOne(l => l.SendingIp).WithMany().HasForeignKey(l => l.SendingIpId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(l => l.Zone).WithMany().HasForeignKey(l => l.ZoneId).OnDelete(DeleteBehavior.SetNull);
        builder.HasMany(l => l.Requests).WithOne().HasForeignKey(r => r.ListingId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class SndsDataRowConfiguration : IEntityTypeConfiguration<SndsDataRow>
{
    public void Configure(EntityTypeBuilder<SndsDataRow> builder)
    {
        builder.Property(r => r.Ip).HasMaxLength(45);
        builder.Property(r => r.FilterResult).HasMaxLength(10);
        builder.HasIndex(r => new { r.Day, r.Ip }).IsUnique();
        builder.HasIndex(r => r.Ip);
    }
}

public sealed class SndsIpStatusRangeConfiguration : IEntityTypeConfiguration<SndsIpStatusRange>
{
    public void Configure(EntityTypeBuilder<SndsIpStatusRange> builder)
    {
        builder.Property(r => r.FirstIp).HasMaxLength(45);
        builder.Property(r => r.LastIp).HasMaxLength(45);
    }
}

public sealed class SndsImportConfiguration : IEntityTypeConfiguration<SndsImport>
{
    public void Configure(EntityTypeBuilder<SndsImport> builder) => builder.HasIndex(i => i.AtUtc);
}
