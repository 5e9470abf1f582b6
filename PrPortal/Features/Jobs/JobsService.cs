using System.Security.Claims;
using Quartz;
using Quartz.Extensibility;
using PrPortal.Features.Account;

namespace PrPortal.Features.Jobs;

/// <remarks><paramref name="NotConfigured"/>: the job has nothing to work on until its settings are given (a bounce mailbox, an SNDS key).</remarks>
public sealed record JobRow(string Name, string? Description, string? Cron, DateTime? NextRunUtc, bool Paused,
    DateTime? LastRunUtc, TimeSpan? LastDuration, bool? LastSucceeded, string? LastError, int RunCount, bool NotConfigured = false);

/// <summary>Every scheduled job with its schedule, its last run and its next; run now and pause for Admin and Support.</summary>
public sealed class JobsService(ISchedulerFactory schedulers, IExecutionHistoryStore history, Hosting.ScheduleOptions options,
    Bounces.BounceMailboxOptions mailbox, Blocklists.Snds.SndsOptions snds)
{
    public bool SchedulerRunning => options.Enabled;

    /// <summary>Whether a job has what it needs to work: the bounce mailbox and SNDS need their settings.</summary>
    public bool IsConfigured(string job) => job switch
    {
        "bounce-mailbox" => mailbox.Enabled,
        "snds-import" => snds.Configured,
        _ => true,
    };

    public async Task<IReadOnlyList<JobRow>> ListAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var rows = new List<JobRow>();
        foreach (var key in (await scheduler.GetJobKeys(GroupMatcher<JobKey>.AnyGroup(), cancellationToken)).OrderBy(k => k.Name))
        {
            var detail = await scheduler.GetJobDetail(key, cancellationToken);
            // Its schedule, not a one-off "run now" trigger that may be pending beside it.
            var triggers = await scheduler.GetTriggersOfJob(key, cancellationToken);
            var trigger = triggers.OfType<ICronTrigger>().FirstOrDefault() ?? triggers.FirstOrDefault();
            var state = trigger is null ? TriggerState.None : await scheduler.GetTriggerState(trigger.Key, cancellationToken);
            var status = await history.GetJobRunStatus(scheduler.SchedulerName, key, cancellationToken);
            rows.Add(new JobRow(key.Name, detail?.Description, (trigger as ICronTrigger)?.CronExpressionString,
                trigger?.NextFireTimeUtc?.UtcDateTime, state == TriggerState.Paused,
                status?.LastFiredAtUtc.UtcDateTime, status?.LastDuration,
                status is null ? null : status.LastFailedAtUtc is { } failed && (status.LastSucceededAtUtc is null || failed > status.LastSucceededAtUtc) ? false : status.LastSucceededAtUtc is not null ? true : null,
                status?.LastFailureMessage, (int)(status?.RunCount ?? 0), !IsConfigured(key.Name)));
        }
        return rows;
    }

    public async Task RunNowAsync(ClaimsPrincipal actor, string job, CancellationToken cancellationToken)
    {
        EnsureAllowed(actor);
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.TriggerJob(new JobKey(job, "portal"), cancellationToken);
    }

    /// <summary>Runs a job now and waits (at most <paramref name="wait"/>) until its run is in the history.</summary>
    public async Task<JobRow?> RunNowAndWaitAsync(ClaimsPrincipal actor, string job, TimeSpan wait, CancellationToken cancellationToken)
    {
        async Task<JobRow?> RowAsync() => (await ListAsync(cancellationToken)).FirstOrDefault(j => j.Name == job);
        var before = (await RowAsync())?.LastRunUtc;
        await RunNowAsync(actor, job, cancellationToken);
        var deadline = DateTime.UtcNow + wait;
        var row = await RowAsync();
        while (row?.LastRunUtc == before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250, cancellationToken);
            row = await RowAsync();
        }
        return row;
    }

    public async Task SetPausedAsync(ClaimsPrincipal actor, string job, bool paused, CancellationToken cancellationToken)
    {
        EnsureAllowed(actor);
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var key = new JobKey(job, "portal");
        if (paused)
        {
            await scheduler.PauseJob(key, cancellationToken);
        }
        else
        {
            await scheduler.ResumeJob(key, cancellationToken);
        }
    }

    private static void EnsureAllowed(ClaimsPrincipal actor)
    {
        if (!actor.IsInRole(PortalRoles.Admin) && !actor.IsInRole(PortalRoles.Support))
        {
            throw new UnauthorizedAccessException("Running or pausing jobs needs the Admin or Support role.");
        }
    }
}
