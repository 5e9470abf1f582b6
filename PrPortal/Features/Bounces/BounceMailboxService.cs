using System.Text.RegularExpressions;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Delivery;
using PrPortal.Features.SendLog;

namespace PrPortal.Features.Bounces;

/// <summary>Section "BounceMailbox": the IMAP mailbox the VERP return paths deliver into. The password comes from the environment.</summary>
public sealed record BounceMailboxOptions
{
    public string? Host { get; init; }
    public int Port { get; init; } = 993;
    /// <summary>"ssl" (implicit TLS), "starttls" or "none" (loopback only).</summary>
    public string Security { get; init; } = "ssl";
    public string? Username { get; init; }
    public string? Password { get; init; }
    public string Folder { get; init; } = "INBOX";
    public string ProcessedFolder { get; init; } = "Processed";
    public string UnreadableFolder { get; init; } = "Unreadable";
    public long MaxMessageBytes { get; init; } = 50 * 1024 * 1024;
    public int PollSeconds { get; init; } = 60;
    public bool Enabled => !string.IsNullOrWhiteSpace(Host);
}

public sealed record BounceFetchResult(int Messages, int Recipients, int TiedToDeliveries, int Unreadable);

/// <summary>
/// Reads bounces from the bounce mailbox over IMAP: each is classified per recipient, tied to its
/// delivery by the VERP address it was sent to (or the original Message-ID), recorded as an attempt,
/// and moved to the processed folder; one that cannot be read (too big, no recipient) goes to the
/// unreadable folder and is counted, never lost.
/// </summary>
public sealed class BounceMailboxService(
    BounceMailboxOptions options,
    BounceClassifier classifier,
    SendLogOptions sendLog,
    IDbContextFactory<PortalDbContext> factory,
    TimeProvider clock,
    ILogger<BounceMailboxService> logger)
{
    private readonly Regex _delivery = new(sendLog.DeliveryPattern, RegexOptions.CultureInvariant);

    public async Task<BounceFetchResult> FetchAsync(CancellationToken cancellationToken)
    {
        if (!options.Enabled)
        {
            return new BounceFetchResult(0, 0, 0, 0);
        }
        using var imap = new ImapClient { Timeout = 30_000 };
        var security = options.Security switch
        {
            "none" => SecureSocketOptions.None,
            "starttls" => SecureSocketOptions.StartTls,
            _ => SecureSocketOptions.SslOnConnect,
        };
        await imap.ConnectAsync(options.Host!, options.Port, security, cancellationToken);
        await imap.AuthenticateAsync(options.Username ?? "", options.Password ?? "", cancellationToken);
        var inbox = await imap.GetFolderAsync(options.Folder, cancellationToken);
        await inbox.OpenAsync(FolderAccess.ReadWrite, cancellationToken);
        var processed = await FolderAsync(imap, options.ProcessedFolder, cancellationToken);
        var unreadable = await FolderAsync(imap, options.UnreadableFolder, cancellationToken);

        var uids = await inbox.SearchAsync(SearchQuery.All, cancellationToken);
        var sizes = uids.Count == 0 ? [] : await inbox.FetchAsync(uids, MessageSummaryItems.Size | MessageSummaryItems.UniqueId, cancellationToken);
        int messages = 0, recipients = 0, tied = 0, bad = 0;
        foreach (var summary in sizes)
        {
            messages++;
            if (summary.Size > options.MaxMessageBytes)
            {
                logger.LogWarning("Bounce {Uid} is {Size} bytes, over the limit: moved to {Folder}", summary.UniqueId, summary.Size, options.UnreadableFolder);
                await inbox.MoveToAsync(summary.UniqueId, unreadable, cancellationToken);
                bad++;
                continue;
            }
            var message = await inbox.GetMessageAsync(summary.UniqueId, cancellationToken);
            var classified = classifier.Classify(message);
            if (classified.Count == 0)
            {
                await inbox.MoveToAsync(summary.UniqueId, unreadable, cancellationToken);
                bad++;
                continue;
            }
            recipients += classified.Count;
            tied += await RecordAsync(message, classified, cancellationToken);
            await inbox.MoveToAsync(summary.UniqueId, processed, cancellationToken);
        }
        await imap.DisconnectAsync(true, cancellationToken);
        return new BounceFetchResult(messages, recipients, tied, bad);
    }

    private async Task<int> RecordAsync(MimeMessage bounce, IReadOnlyList<ClassifiedRecipient> classified, CancellationToken cancellationToken)
    {
        var deliveryId = DeliveryIdOf(bounce);
        if (deliveryId is null)
        {
            return 0;
        }
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var delivery = await db.Deliveries.Include(d => d.Attempts).FirstOrDefaultAsync(d => d.Id == deliveryId, cancellationToken);
        var last = delivery?.Attempts.OrderBy(a => a.AttemptedAtUtc).LastOrDefault();
        if (delivery is null || last is null)
        {
            return 0; // a bounce for a delivery we have no attempt of: nothing to tie it to
        }
        var meaning = classified[0];
        var outcome = meaning.Recipient.Action == "delayed" ? AttemptOutcome.Deferred
            : meaning.Classification.Reason == "delivered" ? AttemptOutcome.Accepted : AttemptOutcome.Rejected;
        db.DeliveryAttempts.Add(new DeliveryAttempt
        {
            DeliveryId = delivery.Id,
            AttemptedAtUtc = bounce.Date == DateTimeOffset.MinValue ? clock.GetUtcNow().UtcDateTime : bounce.Date.UtcDateTime,
            SendingIpId = last.SendingIpId,
            ProviderId = last.ProviderId,
            MxHost = last.MxHost,
            ReplyCode = meaning.Recipient.ReplyCode,
            EnhancedStatus = meaning.Recipient.Status,
            ReplyText = meaning.Recipient.Diagnostic.Length > 4000 ? meaning.Recipient.Diagnostic[..4000] : meaning.Recipient.Diagnostic,
            Outcome = outcome,
            Reason = meaning.Classification.Reason,
            IpBlock = meaning.Classification.IpBlock,
            BlockList = meaning.Classification.List,
        });
        if (delivery.Status != DeliveryStatus.Delivered || outcome == AttemptOutcome.Rejected)
        {
            // A bounce after an acceptance means the mail was not delivered after all.
            delivery.Status = AttemptRecorder.StatusAfter(outcome);
        }
        await db.SaveChangesAsync(cancellationToken);
        return 1;
    }

    /// <summary>The VERP address the bounce came back to, else the original message's Message-ID.</summary>
    private long? DeliveryIdOf(MimeMessage bounce)
    {
        var candidates = bounce.To.Mailboxes.Select(m => m.Address)
            .Concat(bounce.Headers.Where(h => h.Field is "Delivered-To" or "X-Original-To" or "Envelope-To").Select(h => h.Value.Trim('<', '>', ' ')))
            .Concat(bounce.BodyParts.OfType<MessagePart>().Select(p => p.Message?.MessageId).OfType<string>());
        foreach (var value in candidates)
        {
            if (_delivery.Match(value) is { Success: true } m && long.TryParse(m.Groups["delivery"].Value, out var id))
            {
                return id;
            }
        }
        return null;
    }

    private static async Task<IMailFolder> FolderAsync(ImapClient imap, string name, CancellationToken cancellationToken)
    {
        var root = imap.GetFolder(imap.PersonalNamespaces[0]);
        try
        {
            return await root.GetSubfolderAsync(name, cancellationToken);
        }
        catch (FolderNotFoundException)
        {
            return await root.CreateAsync(name, isMessageFolder: true, cancellationToken)
                ?? throw new InvalidOperationException($"The IMAP server did not create folder {name}.");
        }
    }
}
