using PrPortal.Infrastructure.Files;

namespace PrPortal.Features.SendLog;

/// <summary>A live log to follow (section "SendLog:Follow", a list).</summary>
public sealed record FollowedLog
{
    public string Path { get; init; } = "";
    /// <summary>"postfix", "jsonl" or "pmta".</summary>
    public string Format { get; init; } = "postfix";
    public string? IpMapFile { get; init; }
    /// <summary>Read the file from its start when first seen, instead of only what is written from now on.</summary>
    public bool FromStart { get; init; }
    /// <summary>The source name the records' keys are made with (default: the format).</summary>
    public string? Source { get; init; }
}

/// <summary>Where a followed log stands, for the jobs page and /healthz.</summary>
public sealed record FollowerStatus(string Path, string Format, long Position, long Length, DateTime? LastReadAtUtc, string? LastError,
    DateTime? LastErrorAtUtc, int Failures, DateTime? RetryAtUtc, long Lines, bool Missing = false)
{
    public long LagBytes => Math.Max(0, Length - Position);
    public bool Failing => LastError is not null && Failures > 0;
}

/// <summary>
/// Follows one growing log like `tail -F`, knowing the file by its identity (device and inode): new
/// complete lines go in as they are written, from the offset committed with them in the database, so a
/// restarted portal reads on where it stopped. When the file is rotated (renamed and recreated) the old
/// one is read to its end first; when it is truncated or rewritten it is read from its start (its records'
/// keys keep anything from counting twice). One parser per file joins a message's lines across polls.
/// </summary>
public sealed class LogFollower(FollowedLog log, SendLogIngestor ingestor, TimeProvider clock, ILogger logger) : IAsyncDisposable
{
    private FileStream? _stream;
    private string? _identity;
    private ISendLogParser? _parser;
    private bool _seenBefore;
    private long _lines;
    private DateTime? _lastRead;

    public FollowerStatus Status { get; private set; } = new(log.Path, log.Format, 0, 0, null, null, null, 0, null, 0);

    public async Task<IngestResult> PollAsync(CancellationToken cancellationToken)
    {
        var total = IngestResult.Empty;
        FileStream? current = null;
        try
        {
            current = File.Exists(log.Path) ? SendLogIngestor.Open(log.Path) : null;
        }
        catch (FileNotFoundException)
        {
            // rotated away between the check and the open
        }
        var currentIdentity = current is null ? null : FileIdentity.Of(current.SafeFileHandle, log.Path);
        if (_stream is not null && currentIdentity is not null && currentIdentity != _identity)
        {
            logger.LogInformation("{Path} was rotated: reading the old file to its end, then the new one", log.Path);
            total = total.Add(await ReadAsync(_stream, untilEnd: true, cancellationToken));
            await _stream.DisposeAsync();
            _stream = null;
            _parser = null;
        }
        if (current is null)
        {
            if (_stream is not null)
            {
                total = total.Add(await ReadAsync(_stream, untilEnd: false, cancellationToken));
            }
            Status = Status with { Missing = true, LastError = null, Failures = 0, RetryAtUtc = null };
            return total;
        }
        if (_stream is null)
        {
            _stream = current;
            _identity = currentIdentity;
            if (!_seenBefore && !log.FromStart)
            {
                await ingestor.SkipToEndAsync(_stream, log.Path, cancellationToken);
            }
            _seenBefore = true;
        }
        else
        {
            await current.DisposeAsync();
        }
        total = total.Add(await ReadAsync(_stream, untilEnd: false, cancellationToken));
        return total;
    }

    private async Task<IngestResult> ReadAsync(FileStream stream, bool untilEnd, CancellationToken cancellationToken)
    {
        var fresh = _parser is null;
        _parser ??= SendLogIngestor.Parser(log.Format,
            await ingestor.TransportsAsync(log.IpMapFile is null ? null : IngestVerb.ReadIpMap(log.IpMapFile), cancellationToken),
            clock.GetUtcNow().Year, clock.GetUtcNow().UtcDateTime);
        var result = await ingestor.IngestFileAsync(_parser, log.Format, stream, log.Path, log.Source ?? log.Format, untilEnd, withContext: fresh, cancellationToken);
        _lines += result.Lines;
        _lastRead = clock.GetUtcNow().UtcDateTime;
        Status = Status with { Position = stream.Position, Length = stream.Length, LastReadAtUtc = _lastRead, Lines = _lines, LastError = null, Failures = 0, RetryAtUtc = null, Missing = false };
        return result;
    }

    /// <summary>A failed poll: the file is tried again later, backing off up to five minutes.</summary>
    public void Failed(Exception e)
    {
        var failures = Status.Failures + 1;
        var now = clock.GetUtcNow().UtcDateTime;
        var wait = TimeSpan.FromSeconds(Math.Min(300, 2 * Math.Pow(2, Math.Min(failures, 10))));
        Status = Status with { LastError = e.Message, LastErrorAtUtc = now, Failures = failures, RetryAtUtc = now + wait };
        // A broken state (a stream half-read) is dropped; the next poll starts from the committed offset.
        _stream?.Dispose();
        _stream = null;
        _parser = null;
    }

    public bool Due => Status.RetryAtUtc is not { } at || clock.GetUtcNow().UtcDateTime >= at;

    public async ValueTask DisposeAsync()
    {
        if (_stream is not null)
        {
            await _stream.DisposeAsync();
        }
    }
}

/// <summary>Follows every configured live log (SendLog:Follow) every two seconds; a failing file never stops the others or the portal.</summary>
public sealed class LogFollowerService(SendLogOptions options, SendLogIngestor ingestor, ILogger<LogFollowerService> logger, TimeProvider clock) : BackgroundService
{
    private readonly List<LogFollower> _followers = options.Follow.Select(f => new LogFollower(f, ingestor, clock, logger)).ToList();

    public IReadOnlyList<FollowerStatus> Statuses => _followers.Select(f => f.Status).ToList();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_followers.Count == 0)
        {
            return;
        }
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2), clock);
        try
        {
            do
            {
                foreach (var follower in _followers.Where(f => f.Due))
                {
                    try
                    {
                        await follower.PollAsync(stoppingToken);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                    {
                        logger.LogWarning(e, "Following {Path} failed; it is tried again later", follower.Status.Path);
                        follower.Failed(e);
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
            foreach (var follower in _followers)
            {
                await follower.DisposeAsync();
            }
        }
    }
}
