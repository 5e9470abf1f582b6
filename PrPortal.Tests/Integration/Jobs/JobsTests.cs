using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PrPortal.Data;
using PrPortal.Features.Account;
using PrPortal.Features.Jobs;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Jobs;

/// <summary>The scheduler on the portal's own database: jobs listed with their schedules, run now, paused.</summary>
[Trait("Category", "Integration")]
public sealed class JobsTests : IAsyncLifetime
{
    private readonly DemoPortalFactory _demo = new();
    private WebApplicationFactory<Program> _portal = default!;

    private static readonly ClaimsPrincipal Support = new(new ClaimsIdentity([new Claim(ClaimTypes.Role, PortalRoles.Support)], "test"));
    private static readonly ClaimsPrincipal Manager = new(new ClaimsIdentity([new Claim(ClaimTypes.Role, PortalRoles.AccountManager)], "test"));

    public Task InitializeAsync()
    {
        _portal = _demo.WithWebHostBuilder(b => b.UseSetting("Schedules:Enabled", "true"));
        _ = _portal.Server;
        return Task.CompletedTask;
    }

    private JobsService Jobs => _portal.Services.GetRequiredService<JobsService>();

    [Fact]
    public async Task Every_job_is_listed_with_its_cron_and_next_run_in_the_future()
    {
        var jobs = await Jobs.ListAsync(default);

        Assert.Equal(["auto-resend", "blocklist-check", "bounce-mailbox", "daily-report", "resend", "routing-recovery", "sender-domains", "snds-import"], jobs.Select(j => j.Name).Order());
        var report = jobs.Single(j => j.Name == "daily-report");
        Assert.Equal("0 0 9 * * ?", report.Cron);
        Assert.True(report.NextRunUtc > DateTime.UtcNow);
        Assert.Equal(0, report.NextRunUtc!.Value.Minute);
        Assert.Equal(0, report.NextRunUtc.Value.Hour); // 09:00 JST is 00:00 UTC
    }

    [Fact]
    public async Task The_daily_sender_domain_check_runs_from_config_and_says_what_it_found()
    {
        var job = (await Jobs.ListAsync(default)).Single(j => j.Name == "sender-domains");
        Assert.Equal("0 15 6 * * ?", job.Cron);
        var before = DateTime.UtcNow;
        await Jobs.RunNowAsync(Support, "sender-domains", default);
        JobRow? row = null;
        // (The demo's own first check at start may have run already: this waits for the run asked for here.)
        for (var i = 0; i < 100 && (row?.LastSucceeded is null || row.LastRunUtc < before.AddSeconds(-1)); i++)
        {
            await Task.Delay(200);
            row = (await Jobs.ListAsync(default)).Single(j => j.Name == "sender-domains");
        }
        Assert.True(row!.LastSucceeded, row.LastError);
        await using var db = await _portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var domains = await db.SenderDomains.AsNoTracking().ToListAsync();
        Assert.Equal(5, domains.Count);
        Assert.All(domains, d => Assert.True(d.CheckedAtUtc >= before.AddSeconds(-1), d.Domain));
        Assert.Equal(2, domains.Count(d => d.CustomFromAllowed));
    }

    [Fact]
    public async Task Run_now_runs_the_daily_report_and_its_outcome_is_kept()
    {
        await Jobs.RunNowAsync(Support, "daily-report", default);

        JobRow? row = null;
        for (var i = 0; i < 50 && row?.LastSucceeded is null; i++)
        {
            await Task.Delay(200);
            row = (await Jobs.ListAsync(default)).Single(j => j.Name == "daily-report");
        }
        Assert.True(row!.LastSucceeded, row.LastError);
        Assert.Equal(1, row.RunCount);
        await using var db = await _portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.Equal(1, await db.DailyReports.CountAsync());
    }

    [Fact]
    public async Task A_pending_one_off_run_does_not_hide_the_jobs_schedule()
    {
        // A "run now" is a one-off trigger beside the cron one; while it waits, the page still shows the schedule.
        var scheduler = await _portal.Services.GetRequiredService<Quartz.ISchedulerFactory>().GetScheduler();
        var pending = Quartz.TriggerBuilder.Create().WithIdentity("a-run-now", "portal").ForJob("daily-report", "portal")
            .StartAt(DateTimeOffset.UtcNow.AddHours(1)).Build();
        await scheduler.ScheduleJob(pending);
        try
        {
            var job = (await Jobs.ListAsync(default)).Single(j => j.Name == "daily-report");

            Assert.Equal("0 0 9 * * ?", job.Cron);
            Assert.Equal(0, job.NextRunUtc!.Value.Hour); // the schedule's next run (09:00 JST), not the one-off's
        }
        finally
        {
            await scheduler.UnscheduleJob(pending.Key);
        }
    }

    [Fact]
    public async Task A_job_can_be_paused_and_resumed_but_not_by_an_account_manager()
    {
        await Jobs.SetPausedAsync(Support, "bounce-mailbox", true, default);
        Assert.True((await Jobs.ListAsync(default)).Single(j => j.Name == "bounce-mailbox").Paused);

        await Jobs.SetPausedAsync(Support, "bounce-mailbox", false, default);
        Assert.False((await Jobs.ListAsync(default)).Single(j => j.Name == "bounce-mailbox").Paused);

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Jobs.RunNowAsync(Manager, "daily-report", default));
    }

    [Fact]
    public async Task The_jobs_page_shows_the_jobs_to_a_signed_in_user()
    {
        using var client = await PortalClient.SignedInAsync(_portal, PortalFactory.AdminEmail, PortalFactory.AdminPassword);

        var page = await client.GetStringAsync("/jobs");

        Assert.Contains("daily-report", page);
        Assert.Contains("0 0 9 * * ?", WebUtility.HtmlDecode(page));
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        await _demo.DisposeAsync();
    }
}
