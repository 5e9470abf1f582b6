using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.IpPool;
using PrPortal.Features.Reports;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration;

/// <summary>A fresh demo tells the incident's story on first start: open, blocked cells out of routing by the detector, spares in, audit and report ready.</summary>
[Trait("Category", "Integration")]
public sealed class DemoStoryTests
{
    [Fact]
    public async Task On_first_start_the_incident_is_open_its_ips_are_out_of_routing_and_the_report_has_it()
    {
        using var portal = new StoryPortalFactory();
        _ = portal.Server;
        await using var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();

        var incident = await db.Incidents.Include(i => i.Cells).SingleAsync(i => i.Status == IncidentStatus.Open);
        Assert.Equal(IncidentClass.Live, incident.Class);
        var ips = incident.Cells.Select(c => c.SourceIp).Distinct().ToList();
        Assert.Equal(39, ips.Count);
        Assert.Equal(["microsoft-365", "microsoft-consumer"], incident.Cells.Select(c => c.ProviderId).Distinct().Order().ToList());

        // The detector took every blocked cell out of that provider's routing, and the audit says so.
        var exclusions = await db.RoutingExclusions.Where(e => e.EndedAtUtc == null).ToListAsync();
        Assert.Equal(incident.Cells.Count, exclusions.Count);
        // (The first detections at the second provider opened an incident of their own, merged into this one.)
        var ours = (await db.Incidents.Where(i => i.MergedIntoId == incident.Id).Select(i => i.Id).ToListAsync()).Append(incident.Id).ToHashSet();
        Assert.All(exclusions, e => Assert.Contains(e.IncidentId!.Value, ours));
        var audit = await portal.Service<RoutingService>().AuditAsync(500, default);
        Assert.Equal(incident.Cells.Count, audit.Count(a => a.Action == "excluded" && a.IncidentId is { } id && ours.Contains(id)));
        Assert.All(audit.Where(a => a.Action == "excluded"), a => Assert.Equal("detector", a.Actor));

        // With 39 of 48 primaries out, the spares carry Microsoft's mail (the policy's threshold).
        var grid = await portal.Service<IpPoolHealth>().GridAsync(1, default);
        var spareCells = grid.Rows.Where(r => r.Address.StartsWith("198.51.100.")).SelectMany(r => r.Cells).Where(c => c.ProviderId == "microsoft-consumer");
        Assert.All(spareCells, c => Assert.Equal(CellRouting.SpareInUse, c.Routing));

        // The affected report of the incident is ready.
        var report = await portal.Service<AffectedReportService>().BuildAsync(new AffectedScope { IncidentId = incident.Id }, default);
        Assert.True(report.Totals.FailedMails > 0);
    }
}
