using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Providers;
using PrPortal.Features.SendLog;
using PrPortal.Sandbox.Logs;
using PrPortal.Sandbox.Scenarios;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.SendLog;

/// <summary>Send logs into a real SQLite file: attempts tied to deliveries, rollups, rejected lines, re-reads.</summary>
[Trait("Category", "Integration")]
public sealed class IngestionTests(DemoPortalFactory factory) : IClassFixture<DemoPortalFactory>, IDisposable
{
    private readonly string _log = TempFiles.NewPath("maillog", ".log");

    private async Task<(SendLogIngestor Ingestor, PortalDbContext Db)> StartAsync()
    {
        _ = factory.Server;
        var db = await factory.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return (factory.Service<SendLogIngestor>(), db);
    }

    /// <summary>A log of mail the portal sent: the demo's deliveries to their own recipients.</summary>
    private long WriteLog(string path, long messages, DateTime start, long firstDelivery)
    {
        var recipients = Recipients(factory, firstDelivery, messages);
        using var writer = new StreamWriter(path);
        return PostfixLogGenerator.Write(writer, IncidentScenario.Reference(), messages, start, TimeSpan.FromHours(6), firstDelivery, recipients.GetValueOrDefault);
    }

    public static Dictionary<long, string> Recipients(PortalFactory portal, long firstDelivery, long count)
    {
        _ = portal.Server;
        using var db = portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContext();
        var last = firstDelivery + count;
        return db.Deliveries.Where(d => d.Id >= firstDelivery && d.Id < last).Select(d => new { d.Id, d.Recipient!.Email })
            .ToDictionary(d => d.Id, d => d.Email);
    }

    [Fact]
    public async Task A_postfix_log_becomes_attempts_of_known_deliveries_and_hourly_rollups_with_the_microsoft_block()
    {
        var (ingestor, db) = await StartAsync();
        await using var _ = db;
        var start = new DateTime(2025, 11, 29, 15, 0, 0, DateTimeKind.Utc); // 2025-11-30 00:00 JST
        var lines = WriteLog(_log, 2000, start, firstDelivery: 1);
        var attemptsBefore = await db.DeliveryAttempts.CountAsync();

        var result = await ingestor.IngestFileAsync("postfix", _log, null, 2025, default);

        Assert.Equal(lines, result.Lines);
        Assert.Equal(2000, result.Attempts);
        Assert.Equal(0, result.RejectedLines);
        Assert.Equal(2000, result.Records);
        Assert.Equal(0, result.Duplicates);
        Assert.Equal(attemptsBefore + 2000, await db.DeliveryAttempts.CountAsync());

        var window = await db.AttemptRollups.Where(r => r.HourUtc >= start && r.HourUtc < start.AddHours(6)).ToListAsync();
        Assert.Equal(2000, window.Sum(r => r.Count));
        var blocked = window.Where(r => r.IpBlock && r.ProviderId is MailboxProviderCatalog.MicrosoftConsumer or MailboxProviderCatalog.Microsoft365).ToList();
        Assert.NotEmpty(blocked);
        Assert.All(blocked, r => Assert.Equal("blocked", r.Reason));
        // Only the first 39 primaries are blocked: none of 203.0.113.49–57 shows an IP block.
        Assert.DoesNotContain(blocked, r => int.Parse(r.SourceIp.Split('.')[3]) >= 49);
        var stored = await db.DeliveryAttempts.Where(a => a.AttemptedAtUtc >= start && a.IpBlock).FirstAsync();
        Assert.Equal("microsoft", stored.BlockList);
    }

    [Fact]
    public async Task Reading_the_same_file_again_adds_nothing()
    {
        var (ingestor, db) = await StartAsync();
        await using var _ = db;
        var start = new DateTime(2025, 10, 1, 0, 0, 0, DateTimeKind.Utc);
        WriteLog(_log, 300, start, firstDelivery: 3000);

        await ingestor.IngestFileAsync("postfix", _log, null, 2025, default);
        var rollups = await db.AttemptRollups.Where(r => r.HourUtc >= start && r.HourUtc < start.AddHours(6)).SumAsync(r => r.Count);
        var attempts = await db.DeliveryAttempts.CountAsync();
        var again = await ingestor.IngestFileAsync("postfix", _log, null, 2025, default);

        Assert.Equal(0, again.Attempts);
        Assert.Equal(rollups, await db.AttemptRollups.Where(r => r.HourUtc >= start && r.HourUtc < start.AddHours(6)).SumAsync(r => r.Count));
        Assert.Equal(attempts, await db.DeliveryAttempts.CountAsync());
    }

    [Fact]
    public async Task Bad_lines_are_counted_and_kept_with_their_reason_and_the_rest_is_ingested()
    {
        var (ingestor, db) = await StartAsync();
        await using var _ = db;
        var start = new DateTime(2025, 9, 1, 0, 0, 0, DateTimeKind.Utc);
        WriteLog(_log, 50, start, firstDelivery: 5000);
        var good = await File.ReadAllLinesAsync(_log);
        var smtp = good.First(l => l.Contains("/smtp["));
        var cutShort = smtp[..(smtp.IndexOf("status=", StringComparison.Ordinal) + 10)];
        await File.WriteAllLinesAsync(_log, [.. good, "garbage that is no log line", smtp, "\u0000\u0001\u0002", smtp[..40], cutShort, new string('x', 70_000)]);

        var result = await ingestor.IngestFileAsync("postfix", _log, null, 2025, default, source: "bad-lines");

        Assert.Equal(50, result.Attempts);
        Assert.Equal(1, result.Duplicates); // the repeated line is the same record again
        Assert.Equal(5, result.RejectedLines); // garbage, binary, the piece of a line, the delivery line cut short, the 70 KB line
        Assert.Equal(result.Lines, result.Records + result.RejectedLines + result.Notes); // every line accounted for
        var reasons = await db.IngestRejections.Where(r => r.Source == "bad-lines").Select(r => r.Reason).ToListAsync();
        Assert.Contains("not text (binary or wrongly encoded)", reasons);
        Assert.Contains("not a Postfix log line", reasons);
        Assert.Contains("delivery line cut short or malformed (no status and reply)", reasons);
        Assert.Contains("line longer than 64 KB", reasons);
    }

    [Fact]
    public async Task The_ingest_verb_prints_its_counts()
    {
        _ = factory.Server;
        var verbLog = TempFiles.NewPath("verb", ".log");
        WriteLog(verbLog, 100, new DateTime(2025, 8, 1, 0, 0, 0, DateTimeKind.Utc), firstDelivery: 1);
        var env = PortalProcess.Environment(factory.DatabasePath);

        var run = await PortalProcess.RunAsync(env, "ingest", "--format", "postfix", "--year", "2025", verbLog);
        var bad = await PortalProcess.RunAsync(env, "ingest", "--format", "exim", verbLog);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Matches("""^\{"lines":400,"records":100,"attempts":100,"duplicates":0,"rejected_lines":0,"unattributed":0,"seconds":[0-9.]+\}$""", run.Stdout.Trim());
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--format must be one of postfix, pmta, jsonl, dsn", bad.Stderr);
        File.Delete(verbLog);
    }

    public void Dispose() => File.Delete(_log);
}
