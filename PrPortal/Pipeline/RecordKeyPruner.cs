namespace PrPortal.Pipeline;

/// <summary>Keeps the record keys of the last 30 days (by record time): once at start and then daily.</summary>
public sealed class RecordKeyPruner(AttemptPipeline pipeline, TimeProvider clock, ILogger<RecordKeyPruner> logger) : BackgroundService
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromDays(1), clock);
        try
        {
            do
            {
                try
                {
                    var removed = await pipeline.PruneKeysAsync(Retention, stoppingToken);
                    if (removed > 0)
                    {
                        logger.LogInformation("Removed {Count} record keys older than {Days} days", removed, Retention.TotalDays);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Record keys could not be pruned; tried again tomorrow");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }
}
