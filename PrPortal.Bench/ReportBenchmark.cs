using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Reports;
using PrPortal.Features.SendLog;

namespace PrPortal.Bench;

/// <summary>
/// The affected report over a SQLite file of N deliveries (default 10 million, one attempt each, 60 days,
/// Microsoft refusing 39 of 48 IPs for 54 days): the report from the failure ledger beside the same
/// per-category counts computed straight from the deliveries and attempts, in the same run; medians.
/// </summary>
public static class ReportBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var deliveries = args.Length > 0 && long.TryParse(args[0], out var n) ? n : 10_000_000;
        var runs = args.Length > 1 && int.TryParse(args[1], out var r) ? r : 5;
        var path = Path.Combine(Path.GetTempPath(), $"prportal-report-bench-{deliveries}.db");
        var options = new DbContextOptionsBuilder<PortalDbContext>().UseSqlite($"Data Source={path}").Options;
        var factory = new PooledDbContextFactory<PortalDbContext>(options);
        var build = Stopwatch.StartNew();
        if (!File.Exists(path))
        {
            await BuildAsync(factory, path, deliveries);
        }
        var end = new DateTime(2026, 11, 28, 0, 0, 0, DateTimeKind.Utc);
        Console.WriteLine($"report benchmark: {deliveries:N0} deliveries in {path} ({new FileInfo(path).Length / 1_048_576.0:N0} MB, ready in {build.Elapsed.TotalSeconds:N0} s)");

        await using (var db = await factory.CreateDbContextAsync())
        {
            Console.WriteLine($"ledger rows: {await db.FailedDeliveries.CountAsync():N0}; incident cells: {await db.IncidentCells.CountAsync()}");
        }
        var service = new AffectedReportService(factory, new FixedClock(end));
        var period = new AffectedScope { FromUtc = end.AddDays(-60), UntilUtc = end };
        AffectedReport? last = null;
        var ledgerPeriod = await MedianAsync(runs, async () => last = await service.BuildAsync(period, default));
        var ledgerIncident = await MedianAsync(runs, async () => await service.BuildAsync(new AffectedScope { IncidentId = 1 }, default));
        var ledgerCompany = await MedianAsync(runs, async () => await service.BuildAsync(period with { Companies = new HashSet<int> { 1, 2, 3, 4, 5 } }, default));
        long baselineFailed = 0;
        var baseline = await MedianAsync(Math.Min(runs, 3), async () => baselineFailed = await BaselineAsync(path, end.AddDays(-60), end));

        Console.WriteLine($"{"",-46} {"median s",9}");
        Console.WriteLine($"{"ledger: 60-day report (all tables)",-46} {ledgerPeriod,9:0.000}");
        Console.WriteLine($"{"ledger: incident report (39 IPs x 2 providers)",-46} {ledgerIncident,9:0.000}");
        Console.WriteLine($"{"ledger: one account manager's 5 companies",-46} {ledgerCompany,9:0.000}");
        Console.WriteLine($"{"baseline: deliveries x attempts, categories only",-46} {baseline,9:0.000}");
        Console.WriteLine($"ratio (baseline / ledger 60-day): {baseline / ledgerPeriod:0.0}; failed mails {last!.Totals.FailedMails:N0} (baseline {baselineFailed:N0}), share {last.Share:P2}");
        Console.WriteLine($"{{\"deliveries\":{deliveries},\"ledger_period_s\":{ledgerPeriod:0.000},\"ledger_incident_s\":{ledgerIncident:0.000},\"ledger_company_s\":{ledgerCompany:0.000},\"baseline_s\":{baseline:0.000},\"failed_mails\":{last.Totals.FailedMails}}}");
        return last.Totals.FailedMails == baselineFailed ? 0 : 1;
    }

    /// <summary>What the report would cost without the ledger: every failed delivery's last attempt, joined and grouped.</summary>
    private static async Task<long> BaselineAsync(string path, DateTime from, DateTime until)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT p.Category, COUNT(*), COUNT(DISTINCT d.RecipientId), COUNT(DISTINCT d.ReleaseId)
            FROM Deliveries d
            JOIN DeliveryAttempts a ON a.DeliveryId = d.Id AND a.Outcome = 3 AND a.IpBlock = 1
            JOIN Recipients p ON p.Id = d.RecipientId
            WHERE d.Status = 3 AND a.AttemptedAtUtc >= $from AND a.AttemptedAtUtc < $until
            GROUP BY p.Category
            """;
        command.Parameters.AddWithValue("$from", AffectedReportService.Sql(from));
        command.Parameters.AddWithValue("$until", AffectedReportService.Sql(until));
        long total = 0;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            total += reader.GetInt64(1);
        }
        return total;
    }

    private static async Task<double> MedianAsync(int runs, Func<Task> body)
    {
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            await body();
            times.Add(watch.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    private static async Task BuildAsync(PooledDbContextFactory<PortalDbContext> factory, string path, long deliveries)
    {
        var end = new DateTime(2026, 11, 28, 0, 0, 0, DateTimeKind.Utc);
        var start = end.AddDays(-60);
        var blockFrom = end.AddDays(-54);
        var random = new Random(7);
        const int companies = 1_000, recipients = 50_000, perRelease = 500;
        var releases = (int)(deliveries / perRelease);
        await using (var db = await factory.CreateDbContextAsync())
        {
            await db.Database.MigrateAsync();
            db.SendingIps.AddRange(Enumerable.Range(0, 48).Select(i => new SendingIp { Address = $"203.0.113.{10 + i}", Role = SendingIpRole.Primary, BindAddress = $"127.0.1.{i + 1}" }));
            db.Companies.AddRange(Enumerable.Range(0, companies).Select(i => new Company { Name = $"Company {i + 1}" }));
            await db.SaveChangesAsync();
            var incident = new Incident { Title = "Microsoft blocks 39 IPs", OpenedAtUtc = blockFrom, LastEventAtUtc = end, Status = IncidentStatus.Open };
            foreach (var ip in Enumerable.Range(0, 39))
            {
                foreach (var provider in new[] { "microsoft-consumer", "microsoft-365" })
                {
                    incident.Cells.Add(new IncidentCell { SourceIp = $"203.0.113.{10 + ip}", ProviderId = provider, Kind = "ip_block", DetectedAtUtc = blockFrom.AddMinutes(5) });
                }
            }
            db.Incidents.Add(incident);
            await db.SaveChangesAsync();
        }
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-400000;";
            await pragma.ExecuteNonQueryAsync();
        }
        var providers = new string[recipients];
        await using (var tx = connection.BeginTransaction())
        {
            var insert = connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = "INSERT INTO Recipients (Id, Email, Domain, Category) VALUES ($id, $email, $domain, $category)";
            var (pId, pEmail, pDomain, pCategory) = (insert.Parameters.Add("$id", SqliteType.Integer), insert.Parameters.Add("$email", SqliteType.Text),
                insert.Parameters.Add("$domain", SqliteType.Text), insert.Parameters.Add("$category", SqliteType.Integer));
            for (var i = 0; i < recipients; i++)
            {
                var roll = random.NextDouble();
                providers[i] = roll < 0.05 ? "microsoft-consumer" : roll < 0.09 ? "microsoft-365" : roll < 0.4 ? "google" : "other";
                var domain = providers[i] switch { "microsoft-consumer" => "outlook.com", "microsoft-365" => "m365.example.co.jp", "google" => "gmail.com", _ => "example.jp" };
                var c = random.NextDouble();
                (pId.Value, pEmail.Value, pDomain.Value, pCategory.Value) = (i + 1, $"r{i + 1}@{domain}", domain, c < 0.75 ? 1 : c < 0.95 ? 2 : c < 0.99 ? 3 : 4);
                await insert.ExecuteNonQueryAsync();
            }
            insert.CommandText = "INSERT INTO Releases (Id, CompanyId, Title, PublishedAtUtc, FromAddress) VALUES ($id, $company, $title, $at, 'release@mail.prportal.example')";
            insert.Parameters.Clear();
            var (rId, rCompany, rTitle, rAt) = (insert.Parameters.Add("$id", SqliteType.Integer), insert.Parameters.Add("$company", SqliteType.Integer),
                insert.Parameters.Add("$title", SqliteType.Text), insert.Parameters.Add("$at", SqliteType.Text));
            for (var i = 0; i < releases; i++)
            {
                (rId.Value, rCompany.Value, rTitle.Value, rAt.Value) = (i + 1, random.Next(companies) + 1, $"Release {i + 1}",
                    AffectedReportService.Sql(start + TimeSpan.FromSeconds((end - start).TotalSeconds * i / releases)));
                await insert.ExecuteNonQueryAsync();
            }
            await tx.CommitAsync();
        }

        var rollups = new Dictionary<RollupKey, int>();
        long id = 0;
        for (var release = 0; release < releases; release++)
        {
            await using var tx = connection.BeginTransaction();
            var delivery = connection.CreateCommand();
            delivery.Transaction = tx;
            delivery.CommandText = "INSERT INTO Deliveries (Id, ReleaseId, RecipientId, QueuedAtUtc, Status, Deferrals) VALUES ($id, $release, $recipient, $at, $status, 0)";
            var (dId, dRelease, dRecipient, dAt, dStatus) = (delivery.Parameters.Add("$id", SqliteType.Integer), delivery.Parameters.Add("$release", SqliteType.Integer),
                delivery.Parameters.Add("$recipient", SqliteType.Integer), delivery.Parameters.Add("$at", SqliteType.Text), delivery.Parameters.Add("$status", SqliteType.Integer));
            var attempt = connection.CreateCommand();
            attempt.Transaction = tx;
            attempt.CommandText = "INSERT INTO DeliveryAttempts (DeliveryId, AttemptedAtUtc, SendingIpId, ProviderId, ReplyCode, ReplyText, Reason, IpBlock, Outcome) VALUES ($id, $at, $ip, $provider, $code, $text, $reason, $block, $outcome)";
            var (aId, aAt, aIp, aProvider, aCode, aText, aReason, aBlock, aOutcome) = (attempt.Parameters.Add("$id", SqliteType.Integer), attempt.Parameters.Add("$at", SqliteType.Text),
                attempt.Parameters.Add("$ip", SqliteType.Integer), attempt.Parameters.Add("$provider", SqliteType.Text), attempt.Parameters.Add("$code", SqliteType.Integer),
                attempt.Parameters.Add("$text", SqliteType.Text), attempt.Parameters.Add("$reason", SqliteType.Text), attempt.Parameters.Add("$block", SqliteType.Integer),
                attempt.Parameters.Add("$outcome", SqliteType.Integer));
            // The releases go out in batches of 2,000 per transaction.
            for (var k = 0; k < 2_000 && release < releases; release++)
            {
                var at = start + TimeSpan.FromSeconds((end - start).TotalSeconds * release / releases);
                var first = random.Next(recipients);
                for (var j = 0; j < perRelease; j++, k++)
                {
                    var recipient = (first + j * 97) % recipients;
                    var ip = random.Next(48) + 1;
                    var blocked = providers[recipient].StartsWith("microsoft") && ip <= 39 && at >= blockFrom;
                    id++;
                    (dId.Value, dRelease.Value, dRecipient.Value, dAt.Value, dStatus.Value) = (id, release + 1, recipient + 1, AffectedReportService.Sql(at), blocked ? 3 : 1);
                    await delivery.ExecuteNonQueryAsync();
                    (aId.Value, aAt.Value, aIp.Value, aProvider.Value) = (id, AffectedReportService.Sql(at.AddSeconds(j % 600)), ip, providers[recipient]);
                    (aCode.Value, aText.Value, aReason.Value, aBlock.Value, aOutcome.Value) = blocked
                        ? (550, "550 5.7.1 Unfortunately, messages from [203.0.113.x] weren't sent. (S3150)", "blocked", 1, 3)
                        : (250, "250 2.6.0 Queued mail for delivery", (object)DBNull.Value, 0, 1);
                    await attempt.ExecuteNonQueryAsync();
                    var key = RollupKey.For(at, $"203.0.113.{9 + ip}", providers[recipient], blocked ? AttemptOutcome.Rejected : AttemptOutcome.Accepted, blocked ? "blocked" : null, blocked);
                    rollups[key] = rollups.GetValueOrDefault(key) + 1;
                }
            }
            release--;
            await tx.CommitAsync();
            if (release % 4_000 < 4)
            {
                Console.Error.Write($"\r{id:N0} deliveries");
            }
        }
        Console.Error.WriteLine();
        await using (var db = await factory.CreateDbContextAsync())
        {
            await RollupWriter.AddAsync(db, rollups, default);
            await db.Database.ExecuteSqlRawAsync("ANALYZE;");
        }
    }

    private sealed class FixedClock(DateTime utc) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(utc);
    }
}
