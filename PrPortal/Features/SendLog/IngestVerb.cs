using PrPortal.Hosting;

namespace PrPortal.Features.SendLog;

/// <summary>`ingest --format postfix|pmta|jsonl|dsn [--source NAME] [--ip-map FILE] [--year YYYY] FILE...`</summary>
public static class IngestVerb
{
    private const string Usage = "Usage: ingest --format postfix|pmta|jsonl|dsn [--source NAME] [--ip-map FILE] [--year YYYY] FILE...";
    private static readonly string[] AllFormats = [.. SendLogIngestor.Formats, "dsn"];

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken)
    {
        string? format = null, ipMapFile = null, source = null;
        int? year = null;
        var files = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--format" when i + 1 < args.Length:
                    format = args[++i];
                    break;
                case "--source" when i + 1 < args.Length && args[i + 1].Trim().Length is > 0 and <= 200:
                    source = args[++i].Trim();
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
        if (format is null || !AllFormats.Contains(format))
        {
            throw new OpsVerbs.VerbUsageException($"--format must be one of {string.Join(", ", AllFormats)}. {Usage}");
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

        var total = IngestResult.Empty;
        if (format == "dsn")
        {
            total = await IngestBouncesAsync(services.GetRequiredService<Bounces.BounceIngestor>(), files, cancellationToken);
        }
        else
        {
            var ingestor = services.GetRequiredService<SendLogIngestor>();
            foreach (var file in files)
            {
                total = total.Add(await ingestor.IngestFileAsync(format, file, ipMap, year, cancellationToken, source));
            }
        }
        OpsVerbs.Print(total.ToJson());
        return 0;
    }

    /// <summary>DSN files (one message, or an mbox of many): a message is a line here; one that names no recipient is rejected.</summary>
    private static async Task<IngestResult> IngestBouncesAsync(Bounces.BounceIngestor ingestor, List<string> files, CancellationToken cancellationToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        long messages = 0, records = 0, attempts = 0, duplicates = 0, rejected = 0, unattributed = 0;
        foreach (var file in files)
        {
            IReadOnlyList<MimeKit.MimeMessage> bounces;
            try
            {
                bounces = Bounces.BounceFile.Load(file, cancellationToken);
            }
            catch (FormatException e)
            {
                Console.Error.WriteLine($"{file}: not a mail message: {e.Message}");
                messages++;
                rejected++;
                continue;
            }
            foreach (var chunk in bounces.Chunk(500))
            {
                var result = await ingestor.IngestAsync(chunk, cancellationToken);
                messages += result.Messages;
                records += result.Records;
                attempts += result.Attempts;
                duplicates += result.Duplicates;
                unattributed += result.Unattributed;
                rejected += result.Unreadable;
                if (result.Unreadable > 0)
                {
                    Console.Error.WriteLine($"{file}: {result.Unreadable} message(s) name no recipient of a bounce");
                }
            }
        }
        return new IngestResult(messages, records, attempts, duplicates, rejected, unattributed, 0, Math.Round(watch.Elapsed.TotalSeconds, 2));
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
