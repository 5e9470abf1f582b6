using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Delivery;

namespace PrPortal.Features.IpPool;

/// <summary>Section "Recovery": when an excluded IP may come back.</summary>
public sealed record RecoveryOptions
{
    /// <summary>Probe deliveries from the IP that must all be accepted, one after another.</summary>
    public int ProbesToConfirm { get; init; } = 3;
    /// <summary>Staff-configured probe recipients per provider id (addresses at that provider that accept test mail).</summary>
    public Dictionary<string, string[]> ProbeRecipients { get; init; } = [];
    public string ProbeFrom { get; init; } = "probe@mail.prportal.example";
}

public sealed record RecoveryOutcome(string Ip, string ProviderId, bool Reverted, string Why, DateTime AtUtc);

/// <summary>Sends one recovery probe from an IP; null when it was accepted, else the refusal in the server's words.</summary>
public interface IProbeTransport
{
    Task<string?> SendProbeAsync(SendingIp ip, string providerId, string recipient, int number, CancellationToken cancellationToken);
}

/// <summary>Probes go out as real mail through the delivery engine.</summary>
public sealed class EngineProbeTransport(DeliveryEngine engine, RecoveryOptions options, AttemptRecorder? recorder = null) : IProbeTransport
{
    public async Task<string?> SendProbeAsync(SendingIp ip, string providerId, string recipient, int number, CancellationToken cancellationToken)
    {
        var message = ReleaseMessage.Build(0, options.ProbeFrom, "PrPortal recovery probe", recipient, $"Recovery probe {ip.Address} #{number}", "PrPortal: delivery probe after a block. No action needed.");
        var result = (await engine.SendAsync(new SendRequest(message, options.ProbeFrom, [new OutgoingRecipient(recipient)], SendingRoute.From(ip)), cancellationToken)).Single();
        if (recorder is not null)
        {
            // A probe's answer is evidence like any other: the grid and the detector see it, the ledger never does.
            await recorder.RecordAsync([result], cancellationToken, TrafficClass.Probe);
        }
        return result.Outcome == AttemptOutcome.Accepted ? null : $"{recipient}: {result.ReplyCode} {result.ReplyText ?? result.Error}".Trim();
    }
}

/// <summary>
/// Puts an excluded IP back only on confirmed recovery, never on a timer alone: the IP must be clean on
/// every blocklist and on SNDS (no open listing), and then <see cref="RecoveryOptions.ProbesToConfirm"/>
/// probe deliveries from it to that provider must be accepted in a row. Each revert ends the exclusion
/// (by "recovery-check", with the evidence) and is an event on the incident's timeline.
/// </summary>
public sealed class RecoveryCheck(IDbContextFactory<PortalDbContext> factory, RecoveryOptions options, IProbeTransport probes,
    RoutingService routing, TimeProvider clock, ILogger<RecoveryCheck> logger)
{
    public const string Actor = "recovery-check";

    private static readonly HashSet<string> MicrosoftProviders = [Providers.MailboxProviderCatalog.MicrosoftConsumer, Providers.MailboxProviderCatalog.Microsoft365];

    public async Task<IReadOnlyList<RecoveryOutcome>> RunAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var active = await db.RoutingExclusions.Include(e => e.SendingIp).Where(e => e.EndedAtUtc == null).ToListAsync(cancellationToken);
        var listed = await db.BlocklistListings.AsNoTracking().Include(l => l.Zone).Where(l => l.DelistedAtUtc == null)
            .Select(l => new { l.SendingIpId, List = l.Zone != null ? l.Zone.Name : "Microsoft SNDS", Snds = l.Zone == null }).ToListAsync(cancellationToken);
        var outcomes = new List<RecoveryOutcome>();
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var exclusion in active)
        {
            var ip = exclusion.SendingIp!;
            // DNSBLs are read by many providers; SNDS speaks for Microsoft's own mailboxes only.
            var lists = listed.Where(l => l.SendingIpId == ip.Id && (!l.Snds || MicrosoftProviders.Contains(exclusion.ProviderId))).Select(l => l.List).Distinct().ToList();
            if (lists.Count > 0)
            {
                outcomes.Add(new(ip.Address, exclusion.ProviderId, false, $"still listed on {string.Join(", ", lists)}", now));
                continue;
            }
            var recipients = options.ProbeRecipients.GetValueOrDefault(exclusion.ProviderId, []);
            if (recipients.Length == 0)
            {
                outcomes.Add(new(ip.Address, exclusion.ProviderId, false, "no probe recipients configured for this provider (Recovery:ProbeRecipients)", now));
                continue;
            }
            var refused = await ProbeAsync(ip, exclusion.ProviderId, recipients, cancellationToken);
            if (refused is not null)
            {
                outcomes.Add(new(ip.Address, exclusion.ProviderId, false, $"probe refused: {refused}", now));
                continue;
            }
            var why = Infrastructure.Text.LocalText.Of("Pool.RevertedWhy", options.ProbesToConfirm).Encode();
            exclusion.EndedAtUtc = now;
            exclusion.EndedBy = Actor;
            exclusion.EndReason = why;
            if (exclusion.IncidentId is { } incidentId)
            {
                db.IncidentEvents.Add(new IncidentEvent
                {
                    IncidentId = incidentId, AtUtc = now, Kind = "reverted", SourceIp = ip.Address, ProviderId = exclusion.ProviderId,
                    Message = Infrastructure.Text.LocalText.Of("Event.Reverted", ip.Address, Providers.MailboxProviderCatalog.InvariantName(exclusion.ProviderId), options.ProbesToConfirm).Encode(),
                });
            }
            outcomes.Add(new(ip.Address, exclusion.ProviderId, true, Infrastructure.Text.LocalText.Plain(why), now));
        }
        await db.SaveChangesAsync(cancellationToken);
        if (outcomes.Any(o => o.Reverted))
        {
            routing.Changed();
        }
        foreach (var o in outcomes)
        {
            logger.LogInformation("Recovery {Ip} × {Provider}: {Outcome}", o.Ip, o.ProviderId, o.Reverted ? "reverted, " + o.Why : "stays excluded, " + o.Why);
        }
        return outcomes;
    }

    /// <summary>Sends the probes one after another; the first refusal (or failure) stops them and is returned.</summary>
    private async Task<string?> ProbeAsync(SendingIp ip, string providerId, string[] recipients, CancellationToken cancellationToken)
    {
        for (var i = 0; i < options.ProbesToConfirm; i++)
        {
            if (await probes.SendProbeAsync(ip, providerId, recipients[i % recipients.Length], i + 1, cancellationToken) is { } refused)
            {
                return refused;
            }
        }
        return null;
    }
}
