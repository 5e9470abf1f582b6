using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;

namespace PrPortal.Features.Delivery;

/// <summary>
/// Tries deferred mail again when its time comes (<see cref="RetrySchedule"/>), each time through an IP the
/// routing policy allows for its provider, and gives it up after the queue lifetime. When an IP is taken
/// out of a provider's pool, the mail deferred on it for that provider leaves at once through another.
/// </summary>
public sealed class DeferredRetry(IDbContextFactory<PortalDbContext> factory, ReleaseSender sender, AttemptRecorder recorder,
    IpPool.RoutingService routing, SenderAuth.SenderAuthOptions senderAuth, TimeProvider clock, ILogger<DeferredRetry> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public const string ExpiredReason = "expired in queue";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        routing.ExclusionsStarted += OnExcluded;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RunDueAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Retrying deferred mail failed; trying again shortly");
                }
                await _wake.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        finally
        {
            routing.ExclusionsStarted -= OnExcluded;
        }
    }

    private void OnExcluded(IReadOnlyList<(int IpId, string ProviderId)> cells) =>
        _ = Task.Run(async () =>
        {
            try
            {
                await RequeueAsync(cells, CancellationToken.None);
                _wake.Release();
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Re-queueing mail deferred on excluded IPs failed");
            }
        });

    /// <summary>Mail whose latest attempt was deferred by one of these IPs at that provider is due now.</summary>
    public async Task<int> RequeueAsync(IReadOnlyList<(int IpId, string ProviderId)> cells, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var total = 0;
        foreach (var (ipId, provider) in cells)
        {
            total += await db.Deliveries
                .Where(d => d.Status == DeliveryStatus.Deferred && d.NextAttemptAtUtc != null && d.NextAttemptAtUtc > now)
                // The latest attempt (the highest id) was made from this IP to this provider.
                .Where(d => db.DeliveryAttempts.Any(a => a.DeliveryId == d.Id && a.SendingIpId == ipId && a.ProviderId == provider
                    && a.Id == db.DeliveryAttempts.Where(x => x.DeliveryId == d.Id).Max(x => x.Id)))
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAtUtc, now), cancellationToken);
        }
        if (total > 0)
        {
            logger.LogInformation("{Count} deferred mails re-queued off excluded IPs", total);
        }
        return total;
    }

    /// <summary>Sends every deferred mail that is due now; returns how many were tried.</summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var serviceFrom = senderAuth.ServiceFrom;
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            var due = await db.Deliveries.AsNoTracking()
                .Where(d => d.Status == DeliveryStatus.Deferred && d.NextAttemptAtUtc != null && d.NextAttemptAtUtc <= now)
                .OrderBy(d => d.NextAttemptAtUtc).Take(500)
                .Select(d => new
                {
                    d.Id, d.QueuedAtUtc, d.Recipient!.Email,
                    // A company's own From is for its own (imported) lists; everyone else gets the service's.
                    FromAddress = d.Recipient.CompanyId == d.Release!.CompanyId ? d.Release.FromAddress : serviceFrom,
                    Company = d.Release.Company!.Name, d.Release.Title, d.Release.Subject, d.Release.Html, d.Release.Text,
                })
                .ToListAsync(cancellationToken);
            var expired = due.Where(d => now - d.QueuedAtUtc >= RetrySchedule.QueueLifetime).Select(d => d.Id).ToList();
            if (expired.Count > 0)
            {
                await db.Deliveries.Where(d => expired.Contains(d.Id))
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Failed).SetProperty(d => d.NextAttemptAtUtc, (DateTime?)null), cancellationToken);
                logger.LogWarning("{Count} deferred mails given up: {Reason}", expired.Count, ExpiredReason);
            }
            var results = new List<AttemptResult>();
            foreach (var mail in due.Where(d => !expired.Contains(d.Id)))
            {
                // With no IP allowed for its provider now, the mail stays due.
                results.AddRange(await sender.SendRoutedAsync(new ReleaseMail(mail.Id, mail.Email, mail.FromAddress, mail.Company, mail.Subject ?? mail.Title,
                    // A release known only from a log has no stored content; its retry carries the generated text.
                    ReleaseContent.Of(mail.Html, mail.Text) ?? ReleaseContent.FromText(ReleaseMessage.StandInBody)), cancellationToken) ?? []);
            }
            if (results.Count > 0)
            {
                await recorder.RecordAsync(results, cancellationToken);
            }
            return results.Count;
        }
        finally
        {
            _gate.Release();
        }
    }
}
