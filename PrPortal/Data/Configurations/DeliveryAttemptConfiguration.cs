using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PrPortal.Data.Entities;

namespace PrPortal.Data.Configurations;

public class DeliveryAttemptConfiguration : IEntityTypeConfiguration<DeliveryAttempt>
{
    public void Configure(EntityTypeBuilder<DeliveryAttempt> builder)
    {
        builder.HasOne(a => a.Delivery).WithMany(d => d.Attempts).HasForeignKey(a => a.DeliveryId);
        builder.HasOne(a => a.SendingIp).WithMany().HasForeignKey(a => a.SendingIpId);
        builder.HasOne(a => a.Provider).WithMany().HasForeignKey(a => a.ProviderId);
        builder.Property(a => a.ProviderId).HasMaxLength(40);
        builder.Property(a => a.MxHost).HasMaxLength(253);
        builder.Property(a => a.EnhancedStatus).HasMaxLength(16);
        builder.Property(a => a.Reason).HasMaxLength(40);
        builder.Property(a => a.Error).HasMaxLength(1000);
        builder.Property(a => a.BlockList).HasMaxLength(40);
        builder.HasIndex(a => a.DeliveryId);
        // The per IP × provider views read attempts by time within a cell.
        builder.HasIndex(a => new { a.SendingIpId, a.ProviderId, a.AttemptedAtUtc });
        builder.HasIndex(a => a.AttemptedAtUtc);
        // Keep the failure ledger (FailureLedgerSql); EF must not use RETURNING on a table with triggers.
        builder.ToTable(t => { t.HasTrigger("FailedDeliveries_OnRefused"); t.HasTrigger("FailedDeliveries_OnAccepted"); });
    }
}
