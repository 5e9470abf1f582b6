namespace PrPortal.Features.Incidents;

/// <summary>
/// Runs the one detector of the process on every attempt the portal records (its own sends and
/// ingested logs, in the web host and in the ingest verb alike) and applies what it finds to incidents
/// at once; a timer asks about silence.
/// </summary>
public sealed class DetectionService(DetectorOptions options, IncidentService incidents, IpPool.PoolChanges changes, TimeProvider clock, ILogger<DetectionService> logger)
    : BackgroundService
{
    private readonly BlockDetector _detector = new(options);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task ObserveAsync(IEnumerable<Observation> observations, CancellationToken cancellationToken)
    {
        List<Detection> found;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            found = observations.OrderBy(o => o.AtUtc).SelectMany(_detector.Observe).ToList();
            await ApplyAsync(found, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
        // New attempts: open grid pages redraw.
        changes.Notify();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(30), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await _gate.WaitAsync(stoppingToken);
                try
                {
                    await ApplyAsync(_detector.Tick(clock.GetUtcNow().UtcDateTime).ToList(), stoppingToken);
                }
                finally
                {
                    _gate.Release();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private async Task ApplyAsync(List<Detection> found, CancellationToken cancellationToken)
    {
        if (found.Count == 0)
        {
            return;
        }
        logger.LogWarning("Detections: {Detections}", string.Join("; ", found.Select(d => $"{d.Kind} {d.SourceIp} × {d.Provider}")));
        await incidents.ApplyAsync(found, cancellationToken);
    }
}
