using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;

namespace PrPortal.Features.Bounces;

/// <summary>Section "BounceMailbox": the IMAP mailbox the VERP return paths deliver into. The password comes from the environment.</summary>
public sealed record BounceMailboxOptions : Hosting.IValidatedOptions
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

    public IEnumerable<(string Key, string Problem)> Validate()
    {
        if (Port is < 1 or > 65535)
        {
            yield return (nameof(Port), $"must be 1 to 65535 (is {Port})");
        }
        if (Security.ToLowerInvariant() is not ("ssl" or "starttls" or "none"))
        {
            yield return (nameof(Security), $"must be ssl, starttls or none (is '{Security}')");
        }
        if (MaxMessageBytes is < 1024)
        {
            yield return (nameof(MaxMessageBytes), $"must be at least 1024 (is {MaxMessageBytes})");
        }
        if (PollSeconds is < 1 or > 86_400)
        {
            yield return (nameof(PollSeconds), $"must be 1 to 86400 seconds (is {PollSeconds})");
        }
    }
}

public sealed record BounceFetchResult(int Messages, int Recipients, int TiedToDeliveries, int Unreadable, int Duplicates = 0, int Unattributed = 0);

/// <summary>
/// Reads bounces from the bounce mailbox over IMAP into the attempt pipeline (as `ingest --format dsn`
/// reads files), then moves each to the processed folder; one that cannot be read (too big, no
/// recipient) goes to the unreadable folder and is counted, never lost. A bounce is moved only after its
/// records are committed; one fetched again after a crash is a duplicate by its key.
/// </summary>
public sealed class BounceMailboxService(BounceMailboxOptions options, BounceIngestor ingestor, ILogger<BounceMailboxService> logger)
{
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
        int messages = 0, recipients = 0, tied = 0, bad = 0, duplicates = 0, unattributed = 0;
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
            var result = await ingestor.IngestAsync([message], cancellationToken);
            if (result.Records == 0)
            {
                await inbox.MoveToAsync(summary.UniqueId, unreadable, cancellationToken);
                bad++;
                continue;
            }
            recipients += result.Records;
            tied += result.Attempts;
            duplicates += result.Duplicates;
            unattributed += result.Unattributed;
            await inbox.MoveToAsync(summary.UniqueId, processed, cancellationToken);
        }
        await imap.DisconnectAsync(true, cancellationToken);
        return new BounceFetchResult(messages, recipients, tied, bad, duplicates, unattributed);
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
