namespace PrPortal.Features.Bounces;

/// <summary>Asks the bounce mailbox for new bounces every Bounces:PollSeconds while it is configured.</summary>
public sealed class BounceMailboxPoller(BounceMailboxOptions options, BounceMailboxService mailbox, ILogger<BounceMailboxPoller> logger, TimeProvider clock)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(5, options.PollSeconds)), clock);
        do
        {
            try
            {
                var result = await mailbox.FetchAsync(stoppingToken);
                if (result.Messages > 0)
                {
                    logger.LogInformation("Bounce mailbox: {Result}", result);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Bounce mailbox could not be read");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
