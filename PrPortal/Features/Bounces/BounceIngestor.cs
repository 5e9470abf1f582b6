using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using PrPortal.Data.Entities;
using PrPortal.Features.SendLog;
using PrPortal.Pipeline;

namespace PrPortal.Features.Bounces;

/// <summary>What a read of bounces came to.</summary>
public sealed record BounceIngestResult(int Messages, int Records, int Attempts, int Duplicates, int Unattributed, int Unreadable);

/// <summary>
/// Turns bounce mails (from the bounce mailbox or DSN files) into pipeline records, one per recipient:
/// keyed by the bounce's Message-ID and the recipient, tied to its delivery by the VERP address it came
/// back to or the returned message's Message-ID, and attributed to a sending IP by the delivery's attempt,
/// else by the IP the reply names, else by our own Received line in the returned message.
/// </summary>
public sealed partial class BounceIngestor(BounceClassifier classifier, AttemptPipeline pipeline, SendLogOptions sendLog, TimeProvider clock)
{
    private readonly DeliveryIds _deliveryIds = new(sendLog.DeliveryPattern);

    /// <summary>The records of one bounce; empty when no recipient can be found in it.</summary>
    public IReadOnlyList<AttemptRecord> Records(MimeMessage bounce)
    {
        var classified = classifier.Classify(bounce);
        if (classified.Count == 0)
        {
            return [];
        }
        var messageId = bounce.MessageId is { Length: > 0 } id ? id : ContentHash(bounce);
        var at = bounce.Date == DateTimeOffset.MinValue ? clock.GetUtcNow().UtcDateTime : bounce.Date.UtcDateTime;
        var deliveryId = DeliveryIdOf(bounce);
        var received = ReceivedIp(bounce);
        return classified.Select(c => new AttemptRecord
        {
            Origin = RecordOrigin.Bounce,
            Key = AttemptRecord.BounceKey(messageId, c.Recipient.Recipient),
            AtUtc = at,
            Recipient = c.Recipient.Recipient,
            DeliveryId = deliveryId,
            ReplyCode = c.Recipient.ReplyCode,
            EnhancedStatus = c.Recipient.Status,
            ReplyText = c.Recipient.Diagnostic.Length > 4000 ? c.Recipient.Diagnostic[..4000] : c.Recipient.Diagnostic,
            Outcome = c.Recipient.Action == "delayed" ? AttemptOutcome.Deferred
                : c.Classification.Reason == "delivered" ? AttemptOutcome.Accepted : AttemptOutcome.Rejected,
            Meaning = c.Classification,
            MentionedIp = MentionedIp(c.Recipient.Diagnostic) ?? received,
        }).ToList();
    }

    public async Task<BounceIngestResult> IngestAsync(IReadOnlyList<MimeMessage> bounces, CancellationToken cancellationToken)
    {
        var records = new List<AttemptRecord>();
        var unreadable = 0;
        foreach (var bounce in bounces)
        {
            var found = Records(bounce);
            unreadable += found.Count == 0 ? 1 : 0;
            records.AddRange(found);
        }
        var result = await pipeline.ProcessAsync(records, null, cancellationToken);
        return new BounceIngestResult(bounces.Count, records.Count, result.Stored, result.Duplicates, result.Unattributed, unreadable);
    }

    /// <summary>The VERP address the bounce came back to, else the returned message's Message-ID.</summary>
    private long? DeliveryIdOf(MimeMessage bounce)
    {
        var candidates = bounce.To.Mailboxes.Select(m => m.Address)
            .Concat(bounce.Headers.Where(h => h.Field is "Delivered-To" or "X-Original-To" or "Envelope-To" or "Return-Path").Select(h => h.Value.Trim('<', '>', ' ')))
            .Concat(Returned(bounce).Select(h => h["Message-ID"]?.Trim('<', '>', ' ')).OfType<string>());
        return _deliveryIds.Find(candidates.ToArray());
    }

    /// <summary>The headers of the returned message: a message/rfc822 part or text/rfc822-headers.</summary>
    private static IEnumerable<HeaderList> Returned(MimeMessage bounce)
    {
        foreach (var part in bounce.BodyParts)
        {
            if (part is MessagePart { Message: { } original })
            {
                yield return original.Headers;
            }
            else if (part is TextPart text && text.ContentType.IsMimeType("text", "rfc822-headers"))
            {
                HeaderList? headers = null;
                try
                {
                    headers = HeaderList.Load(new MemoryStream(Encoding.UTF8.GetBytes(text.Text + "\r\n\r\n")));
                }
                catch (FormatException)
                {
                    // headers that cannot be read name nothing
                }
                if (headers is not null)
                {
                    yield return headers;
                }
            }
        }
    }

    /// <summary>The IP a refusal names as the sender (Microsoft's "messages from [IP]", "banned sending IP [IP]", "Client host [IP]").</summary>
    public static string? MentionedIp(string text) =>
        SenderIpPattern().Match(text) is { Success: true } m && IPAddress.TryParse(m.Groups["ip"].Value, out var ip) ? ip.ToString() : null;

    /// <summary>Our own hop in the returned message: the earliest Received line that names an address.</summary>
    private static string? ReceivedIp(MimeMessage bounce)
    {
        foreach (var headers in Returned(bounce))
        {
            foreach (var received in headers.Where(h => h.Field.Equals("Received", StringComparison.OrdinalIgnoreCase)).Reverse())
            {
                if (BracketIpPattern().Match(received.Value) is { Success: true } m && IPAddress.TryParse(m.Groups["ip"].Value, out var ip))
                {
                    return ip.ToString();
                }
            }
        }
        return null;
    }

    private static string ContentHash(MimeMessage bounce)
    {
        using var stream = new MemoryStream();
        bounce.WriteTo(stream);
        return "sha256:" + Convert.ToHexString(SHA256.HashData(stream.ToArray()))[..32];
    }

    [GeneratedRegex(@"(?:messages\s+from|sending\s+IP|client\s+host|your\s+IP|sender\s+IP|IP\s+address|from\s+IP)\s*[:=]?\s*\[?(?<ip>\d{1,3}(?:\.\d{1,3}){3})\]?", RegexOptions.IgnoreCase)]
    private static partial Regex SenderIpPattern();

    [GeneratedRegex(@"\[(?<ip>\d{1,3}(?:\.\d{1,3}){3})\]")]
    private static partial Regex BracketIpPattern();
}
