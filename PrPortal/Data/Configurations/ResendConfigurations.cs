using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PrPortal.Data.Entities;

namespace PrPortal.Data.Configurations;

public sealed class FailedDeliveryConfiguration : IEntityTypeConfiguration<FailedDelivery>
{
    public void Configure(EntityTypeBuilder<FailedDelivery> builder)
    {
        builder.HasKey(f => f.DeliveryId);
        builder.Property(f => f.DeliveryId).ValueGeneratedNever();
        builder.Property(f => f.ProviderId).HasMaxLength(40);
        builder.Property(f => f.Reason).HasMaxLength(40);
        // Reports select by time (period and incident windows) and by company (account managers).
        builder.HasIndex(f => new { f.FailedAtUtc, f.ProviderId });
        builder.HasIndex(f => new { f.CompanyId, f.FailedAtUtc });
        builder.HasIndex(f => f.ReleaseId);
        builder.HasIndex(f => f.RecipientId);
    }
}

public sealed class CompanyContactConfiguration : IEntityTypeConfiguration<CompanyContact>
{
    public void Configure(EntityTypeBuilder<CompanyContact> builder)
    {
        builder.Property(c => c.Note).HasMaxLength(2000);
        builder.Property(c => c.UpdatedBy).HasMaxLength(256);
        builder.HasIndex(c => new { c.CompanyId, c.IncidentId }).IsUnique();
        builder.HasOne(c => c.Company).WithMany().HasForeignKey(c => c.CompanyId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class ResendBatchConfiguration : IEntityTypeConfiguration<ResendBatch>
{
    public void Configure(EntityTypeBuilder<ResendBatch> builder)
    {
        builder.Property(b => b.Scope).HasMaxLength(200);
        builder.Property(b => b.StartedBy).HasMaxLength(256);
        builder.Property(b => b.ConsentReference).HasMaxLength(500);
        builder.Property(b => b.Language).HasMaxLength(8);
        builder.Property(b => b.SubjectPrefix).HasMaxLength(200);
        builder.HasIndex(b => b.State);
        builder.HasMany(b => b.Items).WithOne(i => i.Batch).HasForeignKey(i => i.BatchId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class ResendItemConfiguration : IEntityTypeConfiguration<ResendItem>
{
    public void Configure(EntityTypeBuilder<ResendItem> builder)
    {
        builder.Property(i => i.ProviderId).HasMaxLength(40);
        builder.Property(i => i.MessageId).HasMaxLength(200);
        builder.Property(i => i.SourceIp).HasMaxLength(45);
        builder.Property(i => i.Reply).HasMaxLength(1000);
        builder.Property(i => i.ClaimedBy).HasMaxLength(200);
        // A delivery is in a batch once: the ledger key of exactly-once.
        builder.HasIndex(i => new { i.BatchId, i.DeliveryId }).IsUnique();
        builder.HasIndex(i => new { i.BatchId, i.State });
        builder.HasIndex(i => i.DeliveryId);
    }
}

public sealed class NoticeTemplateConfiguration : IEntityTypeConfiguration<NoticeTemplate>
{
    public void Configure(EntityTypeBuilder<NoticeTemplate> builder)
    {
        builder.HasKey(t => t.Language);
        builder.Property(t => t.Language).HasMaxLength(8);
        builder.Property(t => t.SubjectPrefix).HasMaxLength(200);
        builder.Property(t => t.UpdatedBy).HasMaxLength(256);
    }
}

public sealed class ResendPolicySettingConfiguration : IEntityTypeConfiguration<ResendPolicySetting>
{
    public void Configure(EntityTypeBuilder<ResendPolicySetting> builder)
    {
        builder.Property(p => p.Id).ValueGeneratedNever();
        builder.Property(p => p.UpdatedBy).HasMaxLength(256);
    }
}
