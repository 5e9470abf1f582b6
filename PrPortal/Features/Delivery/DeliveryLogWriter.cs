using System.Text;
using System.Text.Json;
using PrPortal.Features.SendLog;

namespace PrPortal.Features.Delivery;

/// <summary>
/// Writes every attempt the delivery engine makes to PrPortal's own JSON-lines delivery log
/// (Delivery:LogFile), one line per recipient, in the format `ingest --format jsonl` and the log
/// follower read. The file is opened for each batch and closed after it, so a rotation by rename
/// (logrotate's default) starts a new file at the next batch.
/// </summary>
public sealed class DeliveryLogWriter(DeliveryOptions options, ILogger<DeliveryLogWriter> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public bool Enabled => !string.IsNullOrWhiteSpace(options.LogFile);

    public async Task WriteAsync(IReadOnlyList<AttemptResult> results, CancellationToken cancellationToken)
    {
        if (!Enabled || results.Count == 0)
        {
            return;
        }
        var text = new StringBuilder();
        foreach (var r in results)
        {
            text.Append(JsonSerializer.Serialize(Line(r), DeliveryLogLine.Options)).Append('\n');
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(options.LogFile!)!);
            await using var file = new FileStream(options.LogFile!, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            await file.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancellationToken);
        }
        catch (IOException e)
        {
            // The attempts are in the database already; a full disk must not stop sending.
            logger.LogError(e, "Could not append {Count} attempts to the delivery log {File}", results.Count, options.LogFile);
        }
        finally
        {
            _gate.Release();
        }
    }

    public static DeliveryLogLine Line(AttemptResult r) => new()
    {
        At = r.AttemptedAtUtc,
        DeliveryId = r.Recipient.DeliveryId,
        Recipient = r.Recipient.Address,
        SourceIp = r.Route.Address,
        Mx = r.MxHost,
        EnvelopeFrom = r.Recipient.DeliveryId is { } id ? ReleaseMessage.ReturnPath(id) : null,
        ReplyCode = r.ReplyCode,
        Status = r.EnhancedStatus,
        Reply = r.ReplyText,
        Error = r.Error,
        Outcome = r.Outcome.ToString().ToLowerInvariant(),
    };
}
