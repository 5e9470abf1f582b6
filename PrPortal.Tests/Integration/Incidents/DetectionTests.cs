using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Providers;
using PrPortal.Features.SendLog;
using PrPortal.Sandbox.Logs;
using PrPortal.Sandbox.Scenarios;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Incidents;

/// <summary>From a send log to an incident: the Microsoft block is seen within minutes; a quiet log raises nothing.</summary>
[Trait("Category", "Integration")]
public sealed class DetectionTests : IDisposable
{
    private static readonly DateTime Start = new(2025, 11, 29, 15, 0, 0, DateTimeKind.Utc);
    private readonly string _log = TempFiles.NewPath("detect", ".log");

    private static Dictionary<string, string> IpMap() =>
        Enumerable.Range(1, 48).ToDictionary(n => $"postfix-ip{n:00}", n => $"203.0.113.{9 + n}");

    private async Task<(List<Incident> Incidents, List<IncidentCell> Cells)> IngestAsync(IncidentScenario scenario, long messages) =>
        (await IngestWithPoolAsync(scenario, messages, pool: false)) is var r ? (r.Incidents, r.Cells) : default;

    private async Task<(List<Incident> Incidents, List<IncidentCell> Cells, List<RoutingExclusion> Exclusions)> IngestWithPoolAsync(IncidentScenario scenario, long messages, bool pool)
    {
        await using (var writer = new StreamWriter(_log))
        {
            PostfixLogGenerator.Write(writer, scenario, messages, Start, TimeSpan.FromHours(1));
        }
        await using var factory = new PortalFactory();
        _ = factory.Server;
        if (pool)
        {
            await using var seed = await factory.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
            seed.SendingIps.AddRange(IpMap().Values.Select(a => new SendingIp { Address = a, Role = SendingIpRole.Primary }));
            await seed.SaveChangesAsync();
        }
        await factory.Service<SendLogIngestor>().IngestFileAsync("postfix", _log, IpMap(), 2025, default);
        await using var db = await factory.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return (await db.Incidents.Include(i => i.Events).ToListAsync(), await db.IncidentCells.ToListAsync(),
            await db.RoutingExclusions.Include(e => e.SendingIp).ToListAsync());
    }

    [Fact]
    public async Task Each_blocked_cell_leaves_that_providers_pool_once_tied_to_its_incident()
    {
        var scenario = IncidentScenario.Reference() with
        {
            Blocks = IncidentScenario.Reference().Blocks.Select(b => b with { FromHour = 0.25, UntilHour = 2 }).ToList(),
        };

        var (incidents, cells, exclusions) = await IngestWithPoolAsync(scenario, 20_000, pool: true);

        var incident = Assert.Single(incidents, i => i.Status == IncidentStatus.Open);
        // One exclusion per detected cell, no more: the same block seen again excludes nothing twice.
        Assert.Equal(cells.Select(c => (c.SourceIp, c.ProviderId)).Distinct().Order(), exclusions.Select(e => (e.SendingIp!.Address, e.ProviderId)).Order());
        Assert.All(exclusions, e => Assert.Equal(("detector", (DateTime?)null), (e.StartedBy, e.EndedAtUtc)));
        Assert.All(exclusions, e => Assert.Contains(e.IncidentId, incidents.Select(i => (int?)i.Id)));
        Assert.DoesNotContain(exclusions, e => e.ProviderId == MailboxProviderCatalog.Google);
        Assert.Contains(incident.Events, e => e.Kind == "excluded" && PrPortal.Infrastructure.Text.LocalText.Plain(e.Message).Contains("other providers keep using it"));
    }

    [Fact]
    public async Task The_microsoft_block_opens_one_incident_within_minutes_covering_blocked_ips_only()
    {
        var scenario = IncidentScenario.Reference() with
        {
            Blocks = IncidentScenario.Reference().Blocks.Select(b => b with { FromHour = 0.25, UntilHour = 2 }).ToList(),
        };

        var (incidents, cells) = await IngestAsync(scenario, 20_000);

        // Outlook.com and Microsoft 365 refuse the same IPs: one incident, the other merged into it.
        var incident = Assert.Single(incidents, i => i.Status == IncidentStatus.Open);
        Assert.All(incidents.Where(i => i.Id != incident.Id), i => Assert.Contains($"→ #{incident.Id}", i.Title));
        var firstBlock = Start.AddHours(0.25);
        Assert.InRange((incident.OpenedAtUtc - firstBlock).TotalMinutes, 0, 5);
        Assert.True(cells.Count >= 30, $"{cells.Count} cells");
        Assert.All(cells, c => Assert.Contains(c.ProviderId, new[] { MailboxProviderCatalog.MicrosoftConsumer, MailboxProviderCatalog.Microsoft365 }));
        var own = cells.Where(c => c.IncidentId == incident.Id).ToList();
        Assert.Contains(own, c => c.ProviderId == MailboxProviderCatalog.MicrosoftConsumer);
        Assert.Contains(own, c => c.ProviderId == MailboxProviderCatalog.Microsoft365);
        Assert.All(cells, c => Assert.InRange(int.Parse(c.SourceIp.Split('.')[3]), 10, 48)); // primaries 1–39 only
        Assert.Contains(incident.Events, e => e.Kind == "opened");
        // A cell joining names the evidence, with the provider's reply as received.
        Assert.Contains(incident.Events, e => e.Kind == "extended" && PrPortal.Infrastructure.Text.LocalText.Plain(e.Message).Contains("recipients") && PrPortal.Infrastructure.Text.LocalText.QuoteOf(e.Message)!.StartsWith("5"));
    }

    [Fact]
    public async Task A_quiet_log_with_only_background_failures_raises_no_incident()
    {
        var quiet = IncidentScenario.Reference() with { Blocks = [] };

        var (incidents, _) = await IngestAsync(quiet, 20_000);

        Assert.Empty(incidents);
    }

    public void Dispose() => File.Delete(_log);
}
