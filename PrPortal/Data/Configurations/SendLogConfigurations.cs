using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PrPortal.Data.Entities;

namespace PrPortal.Data.Configurations;

public class AttemptRollupConfiguration : IEntityTypeConfiguration<AttemptRollup>
{
    public void Configure(EntityTypeBuilder<AttemptRollup> builder)
    {
        builder.Property(r => r.SourceIp).HasMaxLength(45);
        builder.Property(r => r.ProviderId).HasMaxLength(40);
        builder.Property(r => r.Reason).HasMaxLength(40);
        // The upsert key: one row per cell and hour.
        builder.HasIndex(r => new { r.HourUtc, r.SourceIp, r.ProviderId, r.Outcome, r.Reason, r.IpBlock, r.TrafficClass }).IsUnique();
        builder.HasIndex(r => new { r.SourceIp, r.ProviderId, r.HourUtc });
    }
}

public class FileCheckpointConfiguration : IEntityTypeConfiguration<FileCheckpoint>
{
    public void Configure(EntityTypeBuilder<FileCheckpoint> builder)
    {
        builder.Property(c => c.FileKey).HasMaxLength(64);
        builder.Property(c => c.Path).HasMaxLength(1000);
        builder.HasIndex(c => c.FileKey).IsUnique();
    }
}

public class RecordKeyConfiguration : IEntityTypeConfiguration<RecordKey>
{
    public void Configure(EntityTypeBuilder<RecordKey> builder)
    {
        builder.HasKey(k => k.Hash);
        builder.Property(k => k.Hash).HasMaxLength(16);
        builder.HasIndex(k => k.AtUtc);
    }
}

public class IngestRejectionConfiguration : IEntityTypeConfiguration<IngestRejection>
{
    public void Configure(EntityTypeBuilder<IngestRejection> builder)
    {
        builder.Property(r => r.Source).HasMaxLength(600);
        builder.Property(r => r.Reason).HasMaxLength(300);
        builder.Property(r => r.Excerpt).HasMaxLength(300);
        builder.HasIndex(r => r.AtUtc);
    }
}
