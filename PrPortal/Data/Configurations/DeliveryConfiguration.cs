using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PrPortal.Data.Entities;

namespace PrPortal.Data.Configurations;

public class DeliveryConfiguration : IEntityTypeConfiguration<Delivery>
{
    public void Configure(EntityTypeBuilder<Delivery> builder)
    {
        builder.HasOne(d => d.Release).WithMany().HasForeignKey(d => d.ReleaseId);
        builder.HasOne(d => d.Recipient).WithMany().HasForeignKey(d => d.RecipientId);
        // One delivery per release and recipient: a resend is a new attempt, never a second delivery.
        builder.HasIndex(d => new { d.ReleaseId, d.RecipientId }).IsUnique();
        builder.HasIndex(d => new { d.Status, d.QueuedAtUtc });
        builder.HasIndex(d => new { d.Status, d.NextAttemptAtUtc });
        builder.ToTable(t => t.HasTrigger("FailedDeliveries_OnExpired"));
    }
}
