using Microsoft.EntityFrameworkCore;
using MimeKit;
using MimeKit.Cryptography;
using PrPortal.Data;
using PrPortal.Features.Delivery;

namespace PrPortal.Features.SenderAuth;

/// <summary>What the gate did to one message.</summary>
public enum GateDecision
{
    /// <summary>The service's own From: nothing to do.</summary>
    ServiceFrom,
    /// <summary>A verified custom From: kept, and signed with the domain's DKIM key.</summary>
    Signed,
    /// <summary>An unverified custom From: replaced by the service's, the company's address in Reply-To.</summary>
    Replaced,
}

/// <summary>
/// Applied by the delivery engine to every message before it goes on the wire, so no page or job can
/// send a custom From that is not verified. It keeps a copy of the domains' status and signers, read
/// again after <see cref="SenderAuthOptions.GateRefreshSeconds"/> or at once when a check changes it.
/// </summary>
public sealed class SenderGate(IDbContextFactory<PortalDbContext> factory, DkimKeys keys, SenderAuthOptions options, TimeProvider clock,
    ILogger<SenderGate> logger)
{
    private sealed record Entry(bool Allowed, DkimSigner? Signer, string? ProtectedKey);

    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile Dictionary<string, Entry>? _domains;
    private volatile bool _stale;
    private DateTimeOffset _loadedAt;
    private long _signed, _replaced;

    public long Signed => Interlocked.Read(ref _signed);
    public long Replaced => Interlocked.Read(ref _replaced);

    /// <summary>Makes the next message read the domains' status again (keys already parsed are kept).</summary>
    public void Invalidate() => _stale = true;

    public async Task<GateDecision> ApplyAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        if (message.From.Mailboxes.FirstOrDefault() is not { } from)
        {
            return GateDecision.ServiceFrom;
        }
        var domain = from.Domain.Trim().TrimEnd('.').ToLowerInvariant();
        if (domain == ReleaseMessage.SenderDomain || string.Equals(from.Address, options.ServiceFrom, StringComparison.OrdinalIgnoreCase))
        {
            return GateDecision.ServiceFrom;
        }
        var domains = await DomainsAsync(cancellationToken);
        if (domains.TryGetValue(domain, out var entry) && entry is { Allowed: true, Signer: { } signer })
        {
            lock (signer)
            {
                DkimKeys.Sign(signer, message);
            }
            Interlocked.Increment(ref _signed);
            return GateDecision.Signed;
        }
        message.From.Clear();
        message.From.Add(new MailboxAddress(from.Name, options.ServiceFrom));
        if (message.ReplyTo.Count == 0)
        {
            message.ReplyTo.Add(new MailboxAddress(from.Name, from.Address));
        }
        message.Headers.RemoveAll(HeaderId.DkimSignature);
        Interlocked.Increment(ref _replaced);
        return GateDecision.Replaced;
    }

    private async ValueTask<Dictionary<string, Entry>> DomainsAsync(CancellationToken cancellationToken)
    {
        var current = _domains;
        if (current is not null && !_stale && clock.GetUtcNow() - _loadedAt < TimeSpan.FromSeconds(options.GateRefreshSeconds))
        {
            return current;
        }
        await _loading.WaitAsync(cancellationToken);
        try
        {
            current = _domains;
            if (current is not null && !_stale && clock.GetUtcNow() - _loadedAt < TimeSpan.FromSeconds(options.GateRefreshSeconds))
            {
                return current;
            }
            _stale = false;
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            var rows = await db.SenderDomains.AsNoTracking()
                .Select(d => new { d.Domain, d.Selector, d.CustomFromAllowed, d.DkimPrivateKeyProtected })
                .ToListAsync(cancellationToken);
            var loaded = new Dictionary<string, Entry>(StringComparer.OrdinalIgnoreCase);
            var previous = current ?? [];
            foreach (var row in rows)
            {
                DkimSigner? signer = null;
                // A key already decrypted and parsed is kept: a reload costs one query, not one RSA parse per domain.
                if (row.CustomFromAllowed && previous.TryGetValue(row.Domain, out var known) && known.Signer is not null
                    && known.ProtectedKey == row.DkimPrivateKeyProtected && known.Signer.Selector == row.Selector)
                {
                    signer = known.Signer;
                }
                else if (row.CustomFromAllowed)
                {
                    try
                    {
                        signer = DkimKeys.Signer(keys.Unprotect(row.DkimPrivateKeyProtected), row.Domain, row.Selector);
                    }
                    catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or FormatException or IOException)
                    {
                        // A key that cannot be read (Data Protection keys lost) must not let mail out unsigned under the custom From.
                        logger.LogError(e, "The DKIM key of {Domain} cannot be read; its custom From is not used", row.Domain);
                    }
                }
                loaded[row.Domain] = new Entry(row.CustomFromAllowed && signer is not null, signer, row.DkimPrivateKeyProtected);
            }
            _domains = loaded;
            _loadedAt = clock.GetUtcNow();
            return loaded;
        }
        finally
        {
            _loading.Release();
        }
    }
}
