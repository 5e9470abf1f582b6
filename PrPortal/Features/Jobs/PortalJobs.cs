using Quartz;
using PrPortal.Features.Bounces;
using PrPortal.Features.Reports;

namespace PrPortal.Features.Jobs;

/// <summary>Quartz jobs are thin: each calls one service.</summary>
[DisallowConcurrentExecution]
public sealed class BounceMailboxJob(BounceMailboxService mailbox) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        // No mailbox configured: nothing to read (the jobs page says "not configured", not "succeeded").
        var result = await mailbox.FetchAsync(cancellationToken);
        context.Result = result.ToString();
    }
}

[DisallowConcurrentExecution]
public sealed class BlocklistCheckJob(Blocklists.BlocklistService blocklists) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        context.Result = (await blocklists.CheckNowAsync(cancellationToken)).ToString();
    }
}

[DisallowConcurrentExecution]
public sealed class RoutingRecoveryJob(IpPool.RecoveryCheck recovery) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var outcomes = await recovery.RunAsync(cancellationToken);
        context.Result = $"{outcomes.Count(o => o.Reverted)} reverted, {outcomes.Count(o => !o.Reverted)} still excluded";
    }
}

[DisallowConcurrentExecution]
public sealed class SndsImportJob(Blocklists.Snds.SndsImporter snds) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        // A failure (unreachable, HTML for a bad key, an empty file) throws: the jobs page shows why; no data changes.
        var summary = await snds.ImportAsync(null, cancellationToken);
        context.Result = summary.ToString();
    }
}

[DisallowConcurrentExecution]
public sealed class DailyReportJob(DailyReportService reports) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var report = await reports.BuildAndSendAsync(cancellationToken);
        context.Result = $"{report.Rows.Count} cells, {report.Anomalies} anomalies";
    }
}

[DisallowConcurrentExecution]
public sealed class ResendJob(Resend.ResendRunner runner) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        context.Result = (await runner.RunAsync(null, cancellationToken)).ToString();
    }
}

[DisallowConcurrentExecution]
public sealed class AutoResendJob(Resend.ResendService resends) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var batch = await resends.AutoResendAsync(cancellationToken);
        context.Result = batch is { } id ? $"batch {id}" : "nothing to resend";
    }
}

public sealed class SenderDomainCheckJob(SenderAuth.SenderDomainService domains) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var (@checked, allowed, suspended) = await domains.CheckAllAsync(cancellationToken);
        context.Result = $"{@checked} domains checked, {allowed} may use their own From, {suspended} suspended now";
    }
}
