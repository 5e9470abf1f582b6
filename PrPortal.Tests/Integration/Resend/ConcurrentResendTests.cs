using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;
using PrPortal.Features.Resend;
using PrPortal.Tests.Support;
using Xunit.Abstractions;
using DeliveryRow = PrPortal.Data.Entities.Delivery;

namespace PrPortal.Tests.Integration.Resend;

/// <summary>
/// Exactly once whoever runs it: three `resend run` processes and a portal process (its resend job every
/// two seconds) work one batch at once, through a relay that is Postfix's smtp-sink, which writes every
/// message it accepts to a file; the test counts Message-IDs. Then the same with the three processes
/// killed (SIGKILL) again and again while they send.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConcurrentResendTests(ITestOutputHelper output)
{
    private const int Items = 600;

    [Fact]
    public async Task Three_runner_processes_and_the_portals_job_on_one_batch_send_every_item_once()
    {
        using var portal = new PortalFactory();
        _ = portal.Server;
        using var sink = new SmtpSink();
        var batchId = await CreateBatchAsync(portal, Items);
        var environment = Environment(portal, sink);

        var (job, _) = StartPortalProcess(environment);
        using var jobProcess = job;
        var runs = Enumerable.Range(0, 3).Select(_ => PortalProcess.RunAsync(environment, "resend", "run", "--batch", batchId.ToString())).ToList();
        var results = await Task.WhenAll(runs);
        await WaitUntilDoneAsync(portal, batchId, TimeSpan.FromMinutes(2));
        job.Kill(entireProcessTree: true);

        var sentByRunner = results.Select(r =>
        {
            Assert.True(r.ExitCode == 0, r.Stderr);
            return JsonDocument.Parse(r.Stdout).RootElement.GetProperty("sent").GetInt32();
        }).ToList();
        var copies = Copies(sink, batchId);
        var states = await StatesAsync(portal, batchId);
        output.WriteLine($"{Items} items; sent by the three runners: {string.Join(", ", sentByRunner)}, by the portal's job: {Items - sentByRunner.Sum()}; " +
                         $"{copies.Count} Message-IDs received, {copies.Values.Sum() - copies.Count} second copies; states {string.Join(", ", states.Select(s => $"{s.Key}={s.Value}"))}");

        Assert.Equal(Items, states.GetValueOrDefault(ResendItemState.Sent));
        Assert.Equal(Items, copies.Count);
        Assert.All(copies, c => Assert.True(c.Value == 1, $"{c.Key} arrived {c.Value} times"));
        // They really worked side by side: more than one runner sent part of the batch.
        Assert.True(sentByRunner.Count(s => s > 0) + (Items - sentByRunner.Sum() > 0 ? 1 : 0) >= 2, "only one runner sent anything");
    }

    [Fact]
    public async Task Runners_killed_again_and_again_leave_no_second_copy_outside_the_window_between_reply_and_commit()
    {
        using var portal = new PortalFactory();
        _ = portal.Server;
        using var sink = new SmtpSink();
        // Slower (3,000 a minute per runner), so every kill lands while its runner is sending.
        var batchId = await CreateBatchAsync(portal, Items, perMinute: 3000);
        var environment = Environment(portal, sink);
        environment["Resend__LeaseSeconds"] = "3";
        environment["Logging__LogLevel__PrPortal.Features.Resend.ResendRunner"] = "Debug";

        var (job, jobErrors) = StartPortalProcess(environment);
        using var jobProcess = job;
        var kills = 0;
        var windows = new List<double>();
        var deadline = DateTime.UtcNow.AddMinutes(3);
        async Task KillLoopAsync(int seed)
        {
            var random = new Random(seed);
            while (DateTime.UtcNow < deadline && !await DoneAsync(portal, batchId))
            {
                using var process = PortalProcess.Start(environment, "resend", "run", "--batch", batchId.ToString());
                var stderr = process.StandardError.ReadToEndAsync();
                _ = process.StandardOutput.ReadToEndAsync();
                // Long enough to start and send some; the kill lands anywhere in what it is doing.
                await Task.Delay(TimeSpan.FromMilliseconds(2000 + random.Next(3000)));
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    Interlocked.Increment(ref kills);
                }
                await process.WaitForExitAsync();
                var logged = await stderr;
                lock (windows)
                {
                    windows.AddRange(WindowLines(logged));
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(1, 3).Select(KillLoopAsync));
        await WaitUntilDoneAsync(portal, batchId, TimeSpan.FromMinutes(1));
        job.Kill(entireProcessTree: true);
        await job.WaitForExitAsync();
        windows.AddRange(WindowLines(await jobErrors));

        var copies = Copies(sink, batchId);
        var states = await StatesAsync(portal, batchId);
        var seconds = copies.Values.Sum() - copies.Count;
        windows.Sort();
        var median = windows.Count == 0 ? double.NaN : windows[windows.Count / 2];
        var p99 = windows.Count == 0 ? double.NaN : windows[(int)(windows.Count * 0.99)];
        output.WriteLine($"{Items} items, {kills} kills (SIGKILL); {copies.Count} Message-IDs received, {seconds} second copies; " +
                         $"window reply→commit over {windows.Count} sends: median {median:0.00} ms, p99 {p99:0.00} ms; states {string.Join(", ", states.Select(s => $"{s.Key}={s.Value}"))}");

        Assert.Equal(Items, states.GetValueOrDefault(ResendItemState.Sent));
        Assert.Equal(Items, copies.Count);
        Assert.True(kills >= 3, $"only {kills} kills landed");
        // A kill can cost at most the one transaction it cut between the reply and its commit: never more copies than kills.
        Assert.InRange(seconds, 0, kills);
    }

    private static IEnumerable<double> WindowLines(string stderr) =>
        stderr.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Match(l, @"Resend window ([0-9.]+) ms"))
            .Where(m => m.Success).Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    private static Dictionary<string, string> Environment(PortalFactory portal, SmtpSink sink)
    {
        var environment = PortalProcess.Environment(portal.DatabasePath);
        environment["Delivery__Mode"] = "relay";
        environment["Delivery__Relays__Primary"] = sink.Endpoint;
        environment["Delivery__Relays__Spare"] = sink.Endpoint;
        // Nothing here looks anything up; a dead loopback port makes sure nothing leaves the machine.
        environment["Dns__Servers__0"] = "127.0.0.1:9";
        return environment;
    }

    /// <summary>The portal itself, with only its resend job scheduled (every two seconds).</summary>
    private static (Process Process, Task<string> Stderr) StartPortalProcess(Dictionary<string, string> environment)
    {
        var web = new Dictionary<string, string>(environment)
        {
            ["Schedules__Enabled"] = "true",
            ["Schedules__Resend"] = "0/2 * * * * ?",
        };
        foreach (var key in new[] { "BounceMailbox", "DailyReport", "BlocklistCheck", "SndsImport", "RoutingRecovery", "AutoResend", "SenderDomains" })
        {
            web[$"Schedules__{key}"] = "0 0 0 1 1 ? 2099";
        }
        var process = PortalProcess.Start(web, "--urls", $"http://127.0.0.1:{LoopbackPorts.Free()}");
        _ = process.StandardOutput.ReadToEndAsync();
        return (process, process.StandardError.ReadToEndAsync());
    }

    private static Dictionary<string, int> Copies(SmtpSink sink, int batchId) =>
        sink.CountByMessageId().Where(c => c.Key.StartsWith($"resend.b{batchId}.", StringComparison.Ordinal)).ToDictionary();

    private static async Task<Dictionary<ResendItemState, int>> StatesAsync(PortalFactory portal, int batchId)
    {
        await using var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return await db.ResendItems.AsNoTracking().Where(i => i.BatchId == batchId).GroupBy(i => i.State)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count);
    }

    private static async Task<bool> DoneAsync(PortalFactory portal, int batchId)
    {
        await using var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return !await db.ResendItems.AnyAsync(i => i.BatchId == batchId && (i.State == ResendItemState.Pending || i.State == ResendItemState.Sending));
    }

    private static async Task WaitUntilDoneAsync(PortalFactory portal, int batchId, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (!await DoneAsync(portal, batchId))
        {
            Assert.True(DateTime.UtcNow < until, $"batch {batchId} not done within {limit}: {string.Join(", ", (await StatesAsync(portal, batchId)).Select(s => $"{s.Key}={s.Value}"))}");
            await Task.Delay(200);
        }
    }

    /// <summary>A queued batch of failed mails of one release with its content, to as many recipients.</summary>
    private static async Task<int> CreateBatchAsync(PortalFactory portal, int count, int perMinute = 100_000)
    {
        await portal.Service<ResendService>().SavePolicyAsync(TestUsers.As(PortalRoles.Admin), new ResendPolicy(true, 24, 60, perMinute), default);
        await using var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var company = db.Companies.Add(new Company { Name = "株式会社並行テスト" }).Entity;
        var release = db.Releases.Add(new Release
        {
            Company = company, Title = "並行再送のお知らせ", PublishedAtUtc = DateTime.UtcNow.AddHours(-3), FromAddress = "release@mail.prportal.example",
            Html = "<html><body><h1>並行再送のお知らせ</h1><p>本文です。</p></body></html>", Text = "並行再送のお知らせ\n本文です。",
        }).Entity;
        for (var i = 1; i <= 4; i++)
        {
            db.SendingIps.Add(new SendingIp { Address = $"203.0.113.{200 + i}", Role = SendingIpRole.Primary, BindAddress = "127.0.0.1" });
        }
        var recipients = Enumerable.Range(0, count).Select(i => new Recipient
        {
            Email = $"media{i:D4}@gmail.com", Domain = "gmail.com", Category = RecipientCategory.MediaUser,
        }).ToList();
        db.Recipients.AddRange(recipients);
        await db.SaveChangesAsync();
        var deliveries = recipients.Select(r => new DeliveryRow { ReleaseId = release.Id, RecipientId = r.Id, QueuedAtUtc = release.PublishedAtUtc, Status = DeliveryStatus.Failed }).ToList();
        db.Deliveries.AddRange(deliveries);
        await db.SaveChangesAsync();
        var notice = DelayNotice.Default("ja");
        var batch = db.ResendBatches.Add(new ResendBatch
        {
            Scope = "concurrent test", State = ResendBatchState.Queued, StartedBy = "test", CreatedAtUtc = DateTime.UtcNow, Language = "ja",
            SubjectPrefix = notice.SubjectPrefix, NoticeHtml = notice.Html, NoticeText = notice.Text,
        }).Entity;
        await db.SaveChangesAsync();
        db.ResendItems.AddRange(deliveries.Select(d => new ResendItem
        {
            BatchId = batch.Id, DeliveryId = d.Id, Category = RecipientCategory.MediaUser, ProviderId = PrPortal.Features.Providers.MailboxProviderCatalog.Google,
            MessageId = ResendService.MessageIdFor(batch.Id, d.Id),
        }));
        await db.SaveChangesAsync();
        return batch.Id;
    }
}
