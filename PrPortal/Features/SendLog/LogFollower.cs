using System.Security.Cryptography;
using System.Text;

namespace PrPortal.Features.SendLog;

/// <summary>A live log to follow (section "SendLog:Follow", a list).</summary>
public sealed record FollowedLog
{
    public string Path { get; init; } = "";
    /// <summary>"postfix" or "jsonl" (a CSV's header is only at its top, so PowerMTA files are ingested whole).</summary>
    public string Format { get; init; } = "postfix";
    public string? IpMapFile { get; init; }
    /// <summary>Read the file from its start when first seen, instead of only what is written from now on.</summary>
    public bool FromStart { get; init; }
}

/// <summary>
/// Follows one growing log file like `tail -F`: ingests complete new lines as they are written, and
/// when the file is rotated (renamed and recreated, or truncated) reads the old one to its end before
/// starting on the new one. One parser is kept throughout, so a message's lines are joined even when
/// they arrive in different polls.
/// </summary>
public sealed class LogFollower(FollowedLog log, SendLogIngestor ingestor, ILogger logger) : IAsyncDisposable
{
    private FileStream? _stream;
    private string? _identity;
    private long _position;
    private ISendLogParser? _parser;
    private readonly List<byte> _partial = [];

    public async Task<IngestResult> PollAsync(CancellationToken cancellationToken)
    {
        _parser ??= SendLogIngestor.Parser(log.Format,
            await ingestor.TransportsAsync(log.IpMapFile is null ? null : IngestVerb.ReadIpMap(log.IpMapFile), cancellationToken), DateTime.UtcNow.Year);
        var total = new IngestResult(0, 0, 0, 0, 0);
        if (_stream is null)
        {
            if (!File.Exists(log.Path))
            {
                return total;
            }
            Open(fromStart: log.FromStart);
        }
        var current = File.Exists(log.Path) ? Identity(log.Path) : null;
        var rotated = current is not null && (current != _identity || new FileInfo(log.Path).Length < _position);
        total = Add(total, await ReadNewAsync(cancellationToken)); // whatever the old file still had
        if (rotated)
        {
            logger.LogInformation("{Path} was rotated: following the new file", log.Path);
            await _stream!.DisposeAsync();
            Open(fromStart: true);
            total = Add(total, await ReadNewAsync(cancellationToken));
        }
        return total;
    }

    private void Open(bool fromStart)
    {
        _stream = new FileStream(log.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        _identity = Identity(log.Path);
        _position = fromStart ? 0 : _stream.Length;
        _partial.Clear();
    }

    private async Task<IngestResult> ReadNewAsync(CancellationToken cancellationToken)
    {
        var stream = _stream!;
        if (stream.Length <= _position)
        {
            return new IngestResult(0, 0, 0, 0, 0);
        }
        stream.Position = _position;
        var fresh = new byte[stream.Length - _position];
        await stream.ReadExactlyAsync(fresh, cancellationToken);
        _position += fresh.Length;
        _partial.AddRange(fresh);
        // Only complete lines go in; the rest waits for its end.
        var end = _partial.LastIndexOf((byte)'\n');
        if (end < 0)
        {
            return new IngestResult(0, 0, 0, 0, 0);
        }
        var complete = _partial.GetRange(0, end + 1).ToArray();
        _partial.RemoveRange(0, end + 1);
        await using var chunk = new MemoryStream(complete);
        return await ingestor.IngestAsync(_parser!, chunk, $"follow:{log.Format}:{log.Path}", resume: false, cancellationToken);
    }

    private static string Identity(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var head = new byte[Math.Min(4096, file.Length)];
        file.ReadExactly(head);
        // An empty new file has no identity yet: its first line will give it one.
        return head.Length == 0 ? "" : Convert.ToHexString(SHA256.HashData(head))[..16];
    }

    private static IngestResult Add(IngestResult a, IngestResult b) =>
        new(a.Lines + b.Lines, a.Attempts + b.Attempts, a.RejectedLines + b.RejectedLines, a.Seconds + b.Seconds, a.TiedToDeliveries + b.TiedToDeliveries);

    public async ValueTask DisposeAsync()
    {
        if (_stream is not null)
        {
            await _stream.DisposeAsync();
        }
    }
}

/// <summary>Follows every configured live log (SendLog:Follow) every two seconds.</summary>
public sealed class LogFollowerService(SendLogOptions options, SendLogIngestor ingestor, ILogger<LogFollowerService> logger, TimeProvider clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Follow.Count == 0)
        {
            return;
        }
        var followers = options.Follow.Select(f => new LogFollower(f, ingestor, logger)).ToList();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2), clock);
        try
        {
            do
            {
                foreach (var follower in followers)
                {
                    try
                    {
                        await follower.PollAsync(stoppingToken);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        logger.LogWarning(e, "A followed log could not be read this time");
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        finally
        {
            foreach (var follower in followers)
            {
                await follower.DisposeAsync();
            }
        }
    }
}
