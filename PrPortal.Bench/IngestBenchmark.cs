using System.Diagnostics;
using PrPortal.Sandbox.Logs;
using PrPortal.Sandbox.Scenarios;

namespace PrPortal.Bench;

/// <summary>
/// A multi-IP Postfix log of N lines ingested into a fresh SQLite portal (parse, classify, store, roll
/// up) beside Debian's pflogsumm summarising the same file, in the same run; wall time and peak memory.
/// </summary>
public static class IngestBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var lines = args.Length > 0 && long.TryParse(args[0], out var n) ? n : 3_000_000;
        if (!File.Exists("/usr/sbin/pflogsumm"))
        {
            Console.Error.WriteLine("/usr/sbin/pflogsumm is missing: apt-get install pflogsumm");
            return 2;
        }
        var dir = Directory.CreateTempSubdirectory("prportal-bench-");
        var log = Path.Combine(dir.FullName, "maillog");
        // The portal as an operator runs it: the demo world first (not timed), and a log of its deliveries
        // to their own recipients, so that attempts are tied to deliveries.
        var portal = Path.Combine(AppContext.BaseDirectory, "PrPortal.dll");
        var database = Path.Combine(dir.FullName, "portal.db");
        var env = new Dictionary<string, string>
        {
            ["ConnectionStrings__Portal"] = $"Data Source={database}",
            ["Sandbox__Enabled"] = "false",
            ["Seed__AdminPassword"] = "Bench-Admin-Pass-1!",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        await TimeProcessAsync("/usr/bin/time", $"-f %e,%M dotnet {portal} seed-demo", env);
        var recipients = new Dictionary<long, string>();
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Mode=ReadOnly"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT d.Id, r.Email FROM Deliveries d JOIN Recipients r ON r.Id = d.RecipientId";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                recipients[reader.GetInt64(0)] = reader.GetString(1);
            }
        }
        var generate = Stopwatch.StartNew();
        await using (var writer = new StreamWriter(log))
        {
            PostfixLogGenerator.Write(writer, IncidentScenario.Reference(), lines / 4, new DateTime(2025, 11, 29, 15, 0, 0, DateTimeKind.Utc), TimeSpan.FromHours(40), 1, recipients.GetValueOrDefault);
        }
        Console.WriteLine($"ingest benchmark: {lines:N0} lines ({new FileInfo(log).Length / 1_048_576.0:N0} MB) written in {generate.Elapsed.TotalSeconds:N1} s");

        // pflogsumm first, so the portal's run does not warm its page cache for it alone.
        var pf = await TimeProcessAsync("/usr/bin/time", $"-f %e,%M /usr/sbin/pflogsumm --syslog-name=postfix-ip\\d+ {log}");

        var ipMap = Path.Combine(dir.FullName, "ip-map");
        await File.WriteAllLinesAsync(ipMap, Enumerable.Range(1, 48).Select(i => $"postfix-ip{i:00} 203.0.113.{9 + i}"));
        var ingest = await TimeProcessAsync("/usr/bin/time", $"-f %e,%M dotnet {portal} ingest --format postfix --year 2025 --ip-map {ipMap} {log}", env);
        var seconds = ingest.Seconds;
        var peakMb = ingest.PeakKb / 1024.0;
        var result = System.Text.Json.JsonDocument.Parse(ingest.Stdout.Trim().Split('\n')[^1]).RootElement;

        Console.WriteLine($"{"",-28} {"wall s",8} {"peak MB",8}");
        Console.WriteLine($"{"pflogsumm",-28} {pf.Seconds,8:N1} {pf.PeakKb / 1024.0,8:N0}");
        Console.WriteLine($"{"PrPortal ingest (SQLite)",-28} {seconds,8:N1} {peakMb,8:N0}");
        Console.WriteLine($"ratio (PrPortal / pflogsumm): {seconds / pf.Seconds:0.00}; {result.GetProperty("attempts")} attempts, {result.GetProperty("rejected_lines")} rejected lines");
        Console.WriteLine($"{{\"lines\":{result.GetProperty("lines")},\"attempts\":{result.GetProperty("attempts")},\"prportal_s\":{seconds:0.0},\"pflogsumm_s\":{pf.Seconds:0.0},\"ratio\":{seconds / pf.Seconds:0.00},\"prportal_peak_mb\":{peakMb:0},\"pflogsumm_peak_mb\":{pf.PeakKb / 1024.0:0}}}");
        if (Environment.GetEnvironmentVariable("PRPORTAL_BENCH_KEEP") is null)
        {
            dir.Delete(recursive: true);
        }
        else
        {
            Console.Error.WriteLine($"kept {dir.FullName}");
        }
        return 0;
    }

    private static async Task<(double Seconds, long PeakKb, string Stdout)> TimeProcessAsync(string file, string arguments, IReadOnlyDictionary<string, string>? env = null)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{arguments} failed: {stderr}");
        }
        var last = stderr.Trim().Split('\n')[^1].Split(',');
        return (double.Parse(last[0], System.Globalization.CultureInfo.InvariantCulture), long.Parse(last[1]), await stdout);
    }
}
