using Quartz;
using PrPortal.Features.Bounces;
using PrPortal.Features.Jobs;

namespace PrPortal.Hosting;

/// <summary>Section "Schedules": cron expressions (Quartz syntax, Asia/Tokyo) of every scheduled job.</summary>
public sealed record ScheduleOptions : IValidatedOptions
{
    /// <summary>Runs the scheduler in this process; tests leave it off unless they test it.</summary>
    public bool Enabled { get; init; } = true;
    public string BounceMailbox { get; init; } = "0 * * * * ?";
    public string DailyReport { get; init; } = "0 0 9 * * ?";
    public string BlocklistCheck { get; init; } = "0 5 * * * ?";
    /// <summary>SNDS publishes a day's data in the (Pacific) morning: 09:30 in Tokyo is after it.</summary>
    public string SndsImport { get; init; } = "0 30 9 * * ?";
    public string RoutingRecovery { get; init; } = "0 */10 * * * ?";
    /// <summary>Resend batches go on every minute (and at once when one is started or resumed).</summary>
    public string Resend { get; init; } = "30 * * * * ?";
    public string AutoResend { get; init; } = "0 */5 * * * ?";
    /// <summary>Every sender domain re-checked daily (SPF, DKIM, DMARC); a domain that broke has its custom From suspended.</summary>
    public string SenderDomains { get; init; } = "0 15 6 * * ?";

    /// <summary>Every cron key, found by reflection so that a schedule added later is checked too.</summary>
    public IEnumerable<(string Key, string Problem)> Validate()
    {
        foreach (var property in typeof(ScheduleOptions).GetProperties().Where(p => p.PropertyType == typeof(string)))
        {
            var cron = (string?)property.GetValue(this);
            if (string.IsNullOrWhiteSpace(cron) || !CronExpression.TryParse(cron, out _))
            {
                yield return (property.Name, $"is not a Quartz cron expression: '{cron}' (seconds minutes hours day-of-month month day-of-week, e.g. \"0 */5 * * * ?\")");
            }
        }
    }
}

/// <summary>
/// Every schedule of the portal, in one place. Quartz keeps jobs, triggers and their run history in the
/// portal's own database (its ADO job store, schema created on first start), so a restart knows what it
/// missed and the same code runs clustered on PostgreSQL later.
/// </summary>
public static class Schedules
{
    public static void AddPortalScheduler(this IServiceCollection services, ScheduleOptions schedules, string connectionString)
    {
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(o => o.InstanceName = "PrPortal");
            q.UsePersistentStore(store =>
            {
                store.UseSqlite(connectionString);
                store.UseSystemTextJsonSerializer();
                store.ProvisionSchema();
                store.UseExecutionHistory();
            });
            Add<BounceMailboxJob>(q, "bounce-mailbox", "Reads bounces from the bounce mailbox (IMAP)", schedules.BounceMailbox);
            Add<DailyReportJob>(q, "daily-report", "Yesterday per provider × sending IP: volume, acceptance, anomalies", schedules.DailyReport);
            Add<BlocklistCheckJob>(q, "blocklist-check", "Every sending IP against every enabled DNS blocklist", schedules.BlocklistCheck);
            Add<RoutingRecoveryJob>(q, "routing-recovery", "Excluded IPs back in use only when clean on every list and probes are accepted", schedules.RoutingRecovery);
            Add<ResendJob>(q, "resend", "Sends queued resend batches from eligible IPs, throttled per provider", schedules.Resend);
            Add<AutoResendJob>(q, "auto-resend", "Recent IP-block failures resent once their provider has an eligible IP", schedules.AutoResend);
            Add<SenderDomainCheckJob>(q, "sender-domains", "Every sender domain: SPF for every sending IP, our DKIM key, DMARC alignment", schedules.SenderDomains);
            Add<SndsImportJob>(q, "snds-import", "Microsoft SNDS: IP status (blocked ranges) and yesterday's data per IP", schedules.SndsImport);
        });
        services.AddQuartzExecutionHistory(_ => { });
        if (schedules.Enabled)
        {
            services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        }
    }

    private static void Add<TJob>(IQuartzBuilder q, string name, string description, string cron) where TJob : IJob
    {
        var key = new JobKey(name, "portal");
        q.AddJob<TJob>(j => j.WithIdentity(key).WithDescription(description).StoreDurably());
        // A run missed while the portal was down is made up once at start, not skipped.
        q.AddTrigger(t => t.ForJob(key).WithIdentity(name + "-schedule", "portal")
            .WithSchedule(CronScheduleBuilder.Create(cron).InTimeZone(Components.Shared.PortalTime.Tokyo)
                .WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed)));
    }
}
