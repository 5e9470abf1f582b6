using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Providers;
using PrPortal.Infrastructure.Text;

namespace PrPortal.Features.Incidents;

public sealed record IncidentRow(int Id, string Title, IncidentStatus Status, DateTime OpenedAtUtc, DateTime LastEventAtUtc,
    DateTime? ResolvedAtUtc, int Ips, IReadOnlyList<string> Providers, IReadOnlyList<string> Kinds, IncidentClass Class = IncidentClass.Live);

public sealed record IncidentDetail(Incident Incident, IReadOnlyList<IncidentCell> Cells, IReadOnlyList<IncidentEvent> Events);

/// <summary>
/// Turns detections into incidents: a block opens one, related blocks (same provider, or the same IP
/// at another provider) join the open one, recoveries close cells, and the incident resolves when every
/// cell has recovered. Every step is an event on the incident's timeline.
/// </summary>
public sealed class IncidentService(IDbContextFactory<PortalDbContext> factory, Alerts.AlertService alerts, IpPool.RoutingService routing)
{
    /// <summary>Applies detections of one class: a drill's or a test send's never join a live incident, nor take IPs out of live routing.</summary>
    public async Task ApplyAsync(IReadOnlyList<Detection> detections, CancellationToken cancellationToken) =>
        await ApplyAsync(detections, IncidentClass.Live, cancellationToken);

    public async Task ApplyAsync(IReadOnlyList<Detection> detections, IncidentClass incidentClass, CancellationToken cancellationToken)
    {
        if (detections.Count == 0)
        {
            return;
        }
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var open = await db.Incidents.Include(i => i.Cells).Where(i => i.Status == IncidentStatus.Open && i.Class == incidentClass).ToListAsync(cancellationToken);
        // A test send's refusals are for the sender to see; only live mail and drills (which train the real reaction) move routing.
        var moveRouting = incidentClass != IncidentClass.Test;
        var touched = new List<(Incident Incident, string Kind, Detection Detection)>();
        var excluded = false;
        foreach (var d in detections.OrderBy(d => d.AtUtc))
        {
            switch (d.Kind)
            {
                case DetectionKind.IpBlock or DetectionKind.AcceptanceDrop:
                    var related = open.Where(i => i.Cells.Any(c => c.ProviderId == d.Provider || c.SourceIp == d.SourceIp)).OrderBy(i => i.OpenedAtUtc).ToList();
                    var incident = related.FirstOrDefault();
                    // A detection that ties two open incidents together (same IP at two providers) makes them one.
                    foreach (var other in related.Skip(1))
                    {
                        incident!.Cells.AddRange(other.Cells.Where(c => !incident.Cells.Any(k => k.SourceIp == c.SourceIp && k.ProviderId == c.ProviderId))
                            .Select(c => new IncidentCell { SourceIp = c.SourceIp, ProviderId = c.ProviderId, Kind = c.Kind, DetectedAtUtc = c.DetectedAtUtc, RecoveredAtUtc = c.RecoveredAtUtc, SampleReply = c.SampleReply }));
                        incident.Events.Add(Event(d, "merged", LocalText.Of("Event.MergedFrom", other.Id, d.SourceIp).Encode()));
                        incident.Title = incident.Cells.Select(c => c.ProviderId).Distinct().Count() > 1
                            ? $"{string.Join(" / ", incident.Cells.Select(c => MailboxProviderCatalog.DisplayName(c.ProviderId)).Distinct())}: IP block"
                            : incident.Title;
                        other.Status = IncidentStatus.Merged;
                        other.MergedIntoId = incident.Id;
                        other.ResolvedAtUtc = d.AtUtc;
                        other.Events.Add(Event(d, "merged", LocalText.Of("Event.MergedInto", incident.Id).Encode()));
                        other.Title += $" → #{incident.Id}";
                        open.Remove(other);
                    }
                    if (incident is null)
                    {
                        incident = new Incident
                        {
                            Title = $"{MailboxProviderCatalog.DisplayName(d.Provider)}: {(d.Kind == DetectionKind.IpBlock ? "IP block" : "acceptance drop")}",
                            OpenedAtUtc = d.AtUtc,
                            LastEventAtUtc = d.AtUtc,
                            Class = incidentClass,
                        };
                        db.Incidents.Add(incident);
                        open.Add(incident);
                        incident.Events.Add(Event(d, "opened", d.Evidence));
                        await db.SaveChangesAsync(cancellationToken); // its number is named in later events
                        touched.Add((incident, "opened", d));
                    }
                    else
                    {
                        incident.Events.Add(Event(d, "extended", d.Evidence));
                        touched.Add((incident, "changed", d));
                    }
                    var cell = incident.Cells.FirstOrDefault(c => c.SourceIp == d.SourceIp && c.ProviderId == d.Provider);
                    if (cell is null)
                    {
                        incident.Cells.Add(new IncidentCell { SourceIp = d.SourceIp, ProviderId = d.Provider, Kind = d.Kind.ToString(), DetectedAtUtc = d.AtUtc, SampleReply = Trim(LocalText.QuoteOf(d.Evidence)) });
                    }
                    else
                    {
                        cell.RecoveredAtUtc = null; // blocked again
                    }
                    incident.LastEventAtUtc = d.AtUtc;
                    if (d.Kind == DetectionKind.IpBlock && moveRouting && await routing.ExcludeForBlockAsync(db, d.SourceIp, d.Provider, incident.Id, d.Evidence, d.AtUtc, cancellationToken))
                    {
                        incident.Events.Add(Event(d, "excluded", LocalText.Of("Event.Excluded", d.SourceIp, MailboxProviderCatalog.InvariantName(d.Provider)).Encode()));
                        excluded = true;
                    }
                    break;
                case DetectionKind.Recovered:
                    foreach (var owner in open.Where(i => i.Cells.Any(c => c.SourceIp == d.SourceIp && c.ProviderId == d.Provider && c.RecoveredAtUtc is null)))
                    {
                        owner.Cells.First(c => c.SourceIp == d.SourceIp && c.ProviderId == d.Provider).RecoveredAtUtc = d.AtUtc;
                        owner.Events.Add(Event(d, "recovered", d.Evidence));
                        owner.LastEventAtUtc = d.AtUtc;
                        if (owner.Cells.All(c => c.RecoveredAtUtc is not null))
                        {
                            owner.Status = IncidentStatus.Resolved;
                            owner.ResolvedAtUtc = d.AtUtc;
                            owner.Events.Add(Event(d, "resolved", LocalText.Of("Event.Resolved").Encode()));
                            touched.Add((owner, "resolved", d));
                        }
                    }
                    open.RemoveAll(i => i.Status == IncidentStatus.Resolved);
                    break;
                case DetectionKind.Silence:
                    var silence = new Incident { Title = "Send logs silent", OpenedAtUtc = d.AtUtc, LastEventAtUtc = d.AtUtc, Class = incidentClass };
                    silence.Events.Add(Event(d, "silence", d.Evidence));
                    silence.Cells.Add(new IncidentCell { SourceIp = "*", ProviderId = "*", Kind = "Silence", DetectedAtUtc = d.AtUtc });
                    db.Incidents.Add(silence);
                    await db.SaveChangesAsync(cancellationToken);
                    touched.Add((silence, "opened", d));
                    break;
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        if (excluded)
        {
            routing.Changed();
        }

        // One alert per incident and kind in this batch; "changed" is rate-limited by the alert service. Test sends alert nobody.
        foreach (var group in touched.Where(_ => incidentClass != IncidentClass.Test).GroupBy(t => (t.Incident.Id, t.Kind)))
        {
            var (incident, kind, d) = group.Last();
            var cells = incident.Cells.Count(c => c.RecoveredAtUtc is null);
            await alerts.NotifyAsync(new Alerts.Alert(
                Key: $"incident:{incident.Id}:{kind}",
                Kind: $"incident.{kind}",
                Title: $"#{incident.Id} {incident.Title} — {kind}",
                Message: kind switch
                {
                    "opened" => $"{d.SourceIp} × {d.Provider}: {LocalText.Plain(d.Evidence)}",
                    "resolved" => "Every sending IP × provider of this incident has recovered.",
                    _ => $"{cells} sending IP × provider cells affected now; latest {d.SourceIp} × {d.Provider}.",
                },
                IncidentId: incident.Id,
                AtUtc: d.AtUtc,
                AlwaysSend: kind is "opened" or "resolved"), cancellationToken);
        }
    }

    public async Task<IReadOnlyList<IncidentRow>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var incidents = await db.Incidents.AsNoTracking().Include(i => i.Cells)
            .OrderBy(i => i.Status).ThenByDescending(i => i.OpenedAtUtc).Take(500).ToListAsync(cancellationToken);
        return incidents.Select(i => new IncidentRow(i.Id, i.Title, i.Status, i.OpenedAtUtc, i.LastEventAtUtc, i.ResolvedAtUtc,
            i.Cells.Select(c => c.SourceIp).Distinct().Count(), i.Cells.Select(c => c.ProviderId).Distinct().Order().ToList(),
            i.Cells.Select(c => c.Kind).Distinct().Order().ToList(), i.Class)).ToList();
    }

    public async Task<IncidentDetail?> GetAsync(int id, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var incident = await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id, cancellationToken);
        if (incident is null)
        {
            return null;
        }
        var cells = await db.IncidentCells.AsNoTracking().Where(c => c.IncidentId == id).OrderBy(c => c.ProviderId).ThenBy(c => c.SourceIp).ToListAsync(cancellationToken);
        var events = await db.IncidentEvents.AsNoTracking().Where(e => e.IncidentId == id).OrderBy(e => e.AtUtc).ThenBy(e => e.Id).Take(2000).ToListAsync(cancellationToken);
        return new IncidentDetail(incident, cells, events);
    }

    /// <summary>The actions staff take on an incident, kept on its timeline: acknowledged, taken over (assigned), a note.</summary>
    public static readonly string[] StaffActions = ["acknowledged", "assigned", "note"];

    /// <summary>Records a staff action on the incident's timeline (Admin or Support); false when the incident does not exist.</summary>
    public async Task<bool> RecordActionAsync(System.Security.Claims.ClaimsPrincipal actor, int id, string kind, string? note, DateTime atUtc, CancellationToken cancellationToken)
    {
        if (!actor.IsInRole(Account.PortalRoles.Admin) && !actor.IsInRole(Account.PortalRoles.Support))
        {
            throw new UnauthorizedAccessException("Acting on incidents needs the Admin or Support role.");
        }
        if (!StaffActions.Contains(kind))
        {
            throw new ArgumentException($"Unknown incident action '{kind}'.", nameof(kind));
        }
        note = note?.Trim();
        if (kind == "note" && string.IsNullOrEmpty(note))
        {
            throw new ArgumentException("A note needs text.", nameof(note));
        }
        var who = actor.Identity?.Name ?? "?";
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var incident = await db.Incidents.FirstOrDefaultAsync(i => i.Id == id, cancellationToken);
        if (incident is null)
        {
            return false;
        }
        var text = kind switch
        {
            "acknowledged" => LocalText.Of("Event.AcknowledgedBy", who),
            "assigned" => LocalText.Of("Event.AssignedTo", who),
            _ => LocalText.Of("Event.NoteBy", who).Quoting(note),
        };
        db.IncidentEvents.Add(new IncidentEvent { IncidentId = id, AtUtc = atUtc, Kind = kind, Message = text.Encode(2000) });
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>The title in the reader's language: the providers and what happened to them.</summary>
    public static string LocalTitle(IEnumerable<string> providers, IEnumerable<string> kinds, Func<string, string> localize)
    {
        var kindList = kinds.ToList();
        if (kindList.Contains(nameof(DetectionKind.Silence)))
        {
            return localize("Incidents.Kind.Silence");
        }
        var what = kindList.Contains(nameof(DetectionKind.IpBlock)) ? localize("Incidents.Kind.IpBlock") : localize("Incidents.Kind.AcceptanceDrop");
        return $"{string.Join(" / ", providers.Where(p => p != "*").Select(MailboxProviderCatalog.DisplayName))}: {what}";
    }

    private static IncidentEvent Event(Detection d, string kind, string message) => new()
    {
        AtUtc = d.AtUtc,
        Kind = kind,
        SourceIp = d.SourceIp,
        ProviderId = d.Provider,
        Message = message.Length > 2000 ? (LocalText.Decode(message) is { } text ? text.Encode(2000) : message[..2000]) : message,
    };

    private static string? Trim(string? text) => text is { Length: > 2000 } ? text[..2000] : text;
}
