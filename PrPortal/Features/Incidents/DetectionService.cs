using PrPortal.Data.Entities;

namespace PrPortal.Features.Incidents;

/// <summary>
/// Runs the one detector of the process on every attempt the portal records (its own sends and
/// ingested logs, in the web host and in the ingest verb alike) and applies what it finds to incidents
/// at once; a timer asks about silence.
/// </summary>
public sealed class DetectionService(DetectorOptions options, IncidentService incidents, IpPool.PoolChanges changes, TimeProvider clock, ILogger<DetectionService> logger)
    : BackgroundService
{
    // One detector per class: a drill's refusals on an IP never add to the live cell's window.
    private readonly Dictionary<IncidentClass, BlockDetector> _detectors = Enum.GetValues<IncidentClass>().ToDictionary(c => c, _ => new BlockDetector(options));
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The live detector's cells flagged now.</summary>
    public IReadOnlyCollection<(string SourceIp, string Provider)> FlaggedCells => _detectors[IncidentClass.Live].FlaggedCells;

    public async Task ObserveAsync(IEnumerable<Observation> observations, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var group in observations.GroupBy(o => o.Class))
            {
                var detector = _detectors[group.Key];
                await ApplyAsync(group.OrderBy(o => o.AtUtc).SelectMany(detector.Observe).ToList(), group.Key, cancellationToken);
            }
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
                    // Silence is a fact of the live logs only: drills and test sends stop when they are done.
                    await ApplyAsync(_detectors[IncidentClass.Live].Tick(clock.GetUtcNow().UtcDateTime).ToList(), IncidentClass.Live, stoppingToken);
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

    private async Task ApplyAsync(List<Detection> found, IncidentClass incidentClass, CancellationToken cancellationToken)
    {
        if (found.Count == 0)
        {
            return;
        }
        logger.LogWarning("Detections ({Class}): {Detections}", incidentClass, string.Join("; ", found.Select(d => $"{d.Kind} {d.SourceIp} × {d.Provider}")));
        await incidents.ApplyAsync(found, incidentClass, cancellationToken);
    }
}
