using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;

namespace PrPortal.Features.Delivery;

/// <summary>Turns attempt results into DeliveryAttempt rows and moves each delivery to its new status.</summary>
public sealed class AttemptRecorder(IDbContextFactory<PortalDbContext> factory)
{
    public async Task RecordAsync(IReadOnlyList<AttemptResult> results, CancellationToken cancellationToken)
    {
        var tied = results.Where(r => r.Recipient.DeliveryId is not null).ToList();
        if (tied.Count == 0)
        {
            return;
        }
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        db.DeliveryAttempts.AddRange(tied.Select(r => new DeliveryAttempt
        {
            DeliveryId = r.Recipient.DeliveryId!.Value,
            AttemptedAtUtc = r.AttemptedAtUtc,
            SendingIpId = r.Route.SendingIpId,
            ProviderId = r.Provider,
            MxHost = r.MxHost,
            ReplyCode = r.ReplyCode,
            EnhancedStatus = r.EnhancedStatus,
            ReplyText = r.ReplyText,
            Error = r.Error,
            Outcome = r.Outcome,
        }));
        await db.SaveChangesAsync(cancellationToken);

        foreach (var group in tied.GroupBy(r => StatusAfter(r.Outcome)))
        {
            var ids = group.Select(r => r.Recipient.DeliveryId!.Value).ToList();
            // A delivered mail stays delivered whatever a later attempt says.
            await db.Deliveries.Where(d => ids.Contains(d.Id) && d.Status != DeliveryStatus.Delivered)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, group.Key), cancellationToken);
        }
    }

    public static DeliveryStatus StatusAfter(AttemptOutcome outcome) => outcome switch
    {
        AttemptOutcome.Accepted => DeliveryStatus.Delivered,
        AttemptOutcome.Rejected => DeliveryStatus.Failed,
        _ => DeliveryStatus.Deferred,
    };
}
