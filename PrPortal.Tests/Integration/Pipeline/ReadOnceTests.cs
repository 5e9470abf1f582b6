using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using PrPortal.Data;
using PrPortal.Features.SendLog;
using PrPortal.Sandbox.Logs;
using PrPortal.Sandbox.Scenarios;
using PrPortal.Tests.Integration.SendLog;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Pipeline;

/// <summary>The same send log read again in every way it happens (renamed, copied, rotated, killed midway, a restarted follower) adds nothing and loses nothing.</summary>
[Trait("Category", "Integration")]
public sealed class ReadOnceTests(DemoPortalFactory factory) : IClassFixture<DemoPortalFactory>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("prportal-once-").FullName;

    private async Task<(SendLogIngestor Ingestor, PortalDbContext Db)> StartAsync()
    {
        _ = factory.Server;
        return (factory.Service<SendLogIngestor>(), await factory.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync());
    }

    private string WriteLog(string name, long messages, DateTime start, long firstDelivery = 1)
    {
        var recipients = IngestionTests.Recipients(factory, firstDelivery, messages);
        var path = Path.Combine(_dir, name);
        using var writer = new StreamWriter(path);
        PostfixLogGenerator.Write(writer, IncidentScenario.Reference(), messages, start, TimeSpan.FromHours(2), firstDelivery, recipients.GetValueOrDefault);
        return path;
    }

    private static Task<int> RollupsAsync(PortalDbContext db, DateTime start) =>
        db.AttemptRollups.Where(r => r.HourUtc >= start && r.HourUtc < start.AddHours(3)).SumAsync(r => r.Count);

    [Fact]
    public async Task A_renamed_file_is_known_by_its_inode_and_a_copy_by_its_records_keys()
    {
        var (ingestor, db) = await StartAsync();
        await using var _ = db;
        var start = new DateTime(2025, 5, 1, 0, 0, 0, DateTimeKind.Utc);
        var log = WriteLog("maillog", 500, start);
        var first = await ingestor.IngestFileAsync("postfix", log, null, 2025, default);
        var attempts = await db.DeliveryAttempts.CountAsync();
        var rollups = await RollupsAsync(db, start);

        File.Move(log, log + ".1"); // logrotate
        var renamed = await ingestor.IngestFileAsync("postfix", log + ".1", null, 2025, default);
        File.Copy(log + ".1", log + ".copy");
        var copied = await ingestor.IngestFileAsync("postfix", log + ".copy", null, 2025, default);

        Assert.Equal(500, first.Records);
        Assert.True(first.Attempts > 0);
        Assert.Equal(0, renamed.Lines); // read to its end already
        Assert.Equal(500, copied.Records);
        Assert.Equal(500, copied.Duplicates);
        Assert.Equal(0, copied.Attempts);
        Assert.Equal(attempts, await db.DeliveryAttempts.CountAsync());
        Assert.Equal(rollups, await RollupsAsync(db, start));
    }

    [Fact]
    public async Task A_file_rewritten_in_place_is_read_from_its_start_and_only_its_new_records_count()
    {
        var (ingestor, db) = await StartAsync();
        await using var _ = db;
        var start = new DateTime(2025, 4, 1, 0, 0, 0, DateTimeKind.Utc);
        var log = WriteLog("rewritten", 200, start);
        await ingestor.IngestFileAsync("postfix", log, null, 2025, default);
        var lines = await File.ReadAllLinesAsync(log);

        // Truncated and written again with other content of the same length (same inode): not "grown".
        var other = WriteLog("other", 200, start.AddDays(1), firstDelivery: 400);
        await using (var same = new FileStream(log, FileMode.Open, FileAccess.Write))
        {
            same.SetLength(0);
            var bytes = await File.ReadAllBytesAsync(other);
            await same.WriteAsync(bytes);
        }
        var again = await ingestor.IngestFileAsync("postfix", log, null, 2025, default);

        Assert.NotEmpty(lines);
        Assert.Equal(200, again.Records);
        Assert.Equal(0, again.Duplicates);
    }

    [Fact]
    public async Task An_ingest_killed_midway_and_run_again_stores_every_record_exactly_once()
    {
        var (_, db) = await StartAsync();
        await using var __ = db;
        var start = new DateTime(2025, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        var log = WriteLog("big", 60_000, start);
        var env = PortalProcess.Environment(factory.DatabasePath);
        env["SendLog__BatchSize"] = "500"; // many commits, so that the kill lands between two of them
        var before = await RollupsAsync(db, start);

        env["Logging__LogLevel__PrPortal.Features.SendLog"] = "Information"; // a line on stderr per committed batch
        using (var run = PortalProcess.Start(env, "ingest", "--format", "postfix", "--year", "2025", log))
        {
            // Killed (SIGKILL) after its third committed batch, long before the end.
            var commits = 0;
            while (await run.StandardError.ReadLineAsync() is { } line)
            {
                if (line.Contains("committed through line", StringComparison.Ordinal) && ++commits == 3)
                {
                    run.Kill(entireProcessTree: true);
                    break;
                }
            }
            await run.WaitForExitAsync();
            Assert.Equal(3, commits);
        }
        var partly = await RollupsAsync(db, start);
        var at = await db.FileCheckpoints.AsNoTracking().Where(c => c.Path == log).Select(c => c.Offset).SingleAsync();
        var again = await PortalProcess.RunAsync(env, "ingest", "--format", "postfix", "--year", "2025", log);
        var once = await PortalProcess.RunAsync(env, "ingest", "--format", "postfix", "--year", "2025", log);

        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.True(partly - before is > 0 and < 60_000, $"{partly - before} stored before the kill, at byte {at} of {new FileInfo(log).Length}");
        Assert.Equal(60_000, await RollupsAsync(db, start) - before);
        Assert.Contains("\"lines\":0,", once.Stdout);
    }

    [Fact]
    public async Task A_restarted_follower_reads_what_was_written_while_it_was_down_and_nothing_twice()
    {
        var (ingestor, db) = await StartAsync();
        await using var _ = db;
        var path = Path.Combine(_dir, "live.log");
        // A live log has no year in its lines: they are read as this year's, or last year's when that would be in the future.
        var start = DateTime.UtcNow.Date.AddDays(-3);
        var lines = await File.ReadAllLinesAsync(WriteLog("source", 1000, start));
        // The demo world's own mail of the last 60 days may fall in the same hours: only what this log adds counts.
        var before = await RollupsAsync(db, start);
        await File.WriteAllLinesAsync(path, lines[..400]); // there before the portal first looks: not read
        var log = new FollowedLog { Path = path, Format = "postfix" };

        await using (var follower = new LogFollower(log, ingestor, TimeProvider.System, NullLogger.Instance))
        {
            Assert.Equal(0, (await follower.PollAsync(default)).Records);
            await File.AppendAllLinesAsync(path, lines[400..800]);
            Assert.Equal(100, (await follower.PollAsync(default)).Records);
        }
        await File.AppendAllLinesAsync(path, lines[800..]); // written while the portal is down
        await using (var restarted = new LogFollower(log, ingestor, TimeProvider.System, NullLogger.Instance))
        {
            var result = await restarted.PollAsync(default);
            Assert.Equal(800, result.Records); // the 3,200 lines written while it was down
            Assert.Equal(0, result.Duplicates);
        }
        Assert.Equal(900, await RollupsAsync(db, start) - before);
    }

    [Fact]
    public async Task A_followed_file_that_is_3_GB_of_sparse_space_is_followed_without_stopping()
    {
        var (ingestor, db) = await StartAsync();
        await using var _ = db;
        var path = Path.Combine(_dir, "huge.log");
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write))
        {
            file.SetLength(3L * 1024 * 1024 * 1024); // a hole: no disk used
        }
        var start = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var lines = await File.ReadAllLinesAsync(WriteLog("tail", 20, start));
        await using var follower = new LogFollower(new FollowedLog { Path = path, Format = "postfix" }, ingestor, TimeProvider.System, NullLogger.Instance);

        await follower.PollAsync(default); // first sight: from the end
        await File.AppendAllTextAsync(path, "\n" + string.Join('\n', lines) + "\n");
        var result = await follower.PollAsync(default);

        Assert.Equal(20, result.Records);
        Assert.True(follower.Status.Position > 3L * 1024 * 1024 * 1024);
        Assert.Null(follower.Status.LastError);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
