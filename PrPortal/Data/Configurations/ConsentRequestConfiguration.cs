using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PrPortal.Data.Entities;

namespace PrPortal.Data.Configurations;

public class ConsentRequestConfiguration : IEntityTypeConfiguration<ConsentRequest>
{
    public void Configure(EntityTypeBuilder<ConsentRequest> builder)
    {
        builder.Property(c => c.Email).HasMaxLength(320);
        builder.Property(c => c.Language).HasMaxLength(8);
        builder.Property(c => c.SecretHash).HasMaxLength(64);
        builder.Property(c => c.CreatedBy).HasMaxLength(256);
        builder.Property(c => c.SendReply).HasMaxLength(1000);
        builder.Property(c => c.AnswerNote).HasMaxLength(2000);
        builder.Property(c => c.AnsweredFrom).HasMaxLength(64);
        builder.HasIndex(c => new { c.CompanyId, c.IncidentId });
    }
}
