using PrPortal.Hosting;

namespace PrPortal.Features.SendLog;

/// <summary>`ingest --format postfix|pmta|jsonl [--ip-map FILE] [--year YYYY] FILE...`</summary>
public static class IngestVerb
{
    private const string Usage = "Usage: ingest --format postfix|pmta|jsonl [--ip-map FILE] [--year YYYY] FILE...";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken)
    {
        string? format = null, ipMapFile = null;
        int? year = null;
        var files = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--format" when i + 1 < args.Length:
                    format = args[++i];
                    break;
                case "--ip-map" when i + 1 < args.Length:
                    ipMapFile = args[++i];
                    break;
                case "--year" when i + 1 < args.Length && int.TryParse(args[i + 1], out var y) && y is > 1990 and < 2200:
                    year = y;
                    i++;
                    break;
                case var option when option.StartsWith("--", StringComparison.Ordinal):
                    throw new OpsVerbs.VerbUsageException($"unknown option or missing value '{option}'. {Usage}");
                default:
                    files.Add(args[i]);
                    break;
            }
        }
        if (format is null || !SendLogIngestor.Formats.Contains(format))
        {
            throw new OpsVerbs.VerbUsageException($"--format must be one of {string.Join(", ", SendLogIngestor.Formats)}. {Usage}");
        }
        if (files.Count == 0)
        {
            throw new OpsVerbs.VerbUsageException($"no file named. {Usage}");
        }
        foreach (var file in files.Where(f => !File.Exists(f)))
        {
            throw new OpsVerbs.VerbUsageException($"file not found: {file}");
        }
        var ipMap = ipMapFile is null ? null : ReadIpMap(ipMapFile);

        var ingestor = services.GetRequiredService<SendLogIngestor>();
        long lines = 0, attempts = 0, rejected = 0;
        double seconds = 0;
        foreach (var file in files)
        {
            var result = await ingestor.IngestFileAsync(format, file, ipMap, year, cancellationToken);
            lines += result.Lines;
            attempts += result.Attempts;
            rejected += result.RejectedLines;
            seconds += result.Seconds;
        }
        OpsVerbs.Print(new { lines, attempts, rejected_lines = rejected, seconds = Math.Round(seconds, 2) });
        return 0;
    }

    /// <summary>Lines of "TRANSPORT IP" (Postfix syslog_name or VMTA, then the sending IP); '#' starts a comment.</summary>
    public static Dictionary<string, string> ReadIpMap(string file)
    {
        if (!File.Exists(file))
        {
            throw new OpsVerbs.VerbUsageException($"--ip-map: file not found: {file}");
        }
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var number = 0;
        foreach (var raw in File.ReadLines(file))
        {
            number++;
            var line = raw.Split('#')[0].Trim();
            if (line.Length == 0)
            {
                continue;
            }
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || !System.Net.IPAddress.TryParse(parts[1], out _))
            {
                throw new OpsVerbs.VerbUsageException($"--ip-map {file} line {number}: expected 'TRANSPORT IP', got '{raw}'");
            }
            map[parts[0]] = parts[1];
        }
        return map;
    }
}
