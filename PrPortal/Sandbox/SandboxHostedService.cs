using System.Net;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Sandbox.Scenarios;

namespace PrPortal.Sandbox;

/// <summary>
/// Starts the sandbox with the portal (after the database is ready): maps each sending IP's loopback
/// alias to its production address and, in the demo, applies the reference incident's blocks so a
/// test send from a blocked IP meets Microsoft's real refusal.
/// </summary>
public sealed class SandboxHostedService(SandboxWorld world, IDbContextFactory<PortalDbContext> factory,
    Features.Blocklists.BlocklistService blocklists, Features.Blocklists.Snds.SndsImporter snds,
    Features.SenderAuth.SenderAuthOptions senderAuth, Features.SenderAuth.SenderDomainService senderDomains, ILogger<SandboxHostedService> logger)
    : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var ips = await db.SendingIps.AsNoTracking().OrderBy(i => i.Id).ToListAsync(cancellationToken);
        foreach (var ip in ips.Where(i => i.BindAddress is not null))
        {
            world.MapSendingIp(IPAddress.Parse(ip.BindAddress!), ip.Address);
        }
        // Every default blocklist answers in the sandbox (with its RFC 5782 test points), never on the Internet.
        foreach (var zone in Features.Blocklists.BlocklistService.DefaultZones())
        {
            world.Zones.AddIpBlocklist(zone.QueryDomain);
        }
        await SandboxSenderDns.PublishAsync(world.Zones, db, senderAuth.SpfInclude, cancellationToken);
        if (world.Options.ApplyIncident)
        {
            var primaries = ips.Where(i => i.Role == SendingIpRole.Primary).ToList();
            // The demo's public listings: two incident IPs on SpamCop, one on Barracuda.
            foreach (var (index, zone, why) in new[] { (0, "bl.spamcop.net", "Blocked - see https://www.spamcop.net/bl.shtml?"), (1, "bl.spamcop.net", "Blocked - see https://www.spamcop.net/bl.shtml?"), (2, "b.barracudacentral.org", "Client host blocked using Barracuda Reputation, see http://www.barracudanetworks.com/reputation/?r=1&ip=") }.Where(l => l.Item1 < primaries.Count))
            {
                world.Zones.ListIp(zone, IPAddress.Parse(primaries[index].Address), IPAddress.Parse("127.0.0.2"), why + primaries[index].Address);
            }
            foreach (var block in IncidentScenario.Reference().Blocks)
            {
                foreach (var index in block.PrimaryIndexes().Where(i => i < primaries.Count))
                {
                    world.Block(block.Provider, primaries[index].Address);
                }
            }
        }
        world.Start();
        logger.LogInformation("Sandbox running: DNS {Dns}, {Count} provider simulators on {Network}:{Port}",
            world.DnsEndpoint, world.Simulators.Count, world.Options.SimulatorNetwork, world.Options.SmtpPort);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        // The demo shows its listings at once rather than at the next hourly check or daily import.
        if (world.Options.ApplyIncident && !await db.BlocklistResults.AnyAsync(cancellationToken))
        {
            RunInBackground("blocklist check", () => blocklists.CheckNowAsync(CancellationToken.None));
        }
        if (world.Options.ApplyIncident && !await db.SndsImports.AnyAsync(cancellationToken))
        {
            RunInBackground("SNDS import", () => snds.ImportAsync(null, CancellationToken.None));
        }
        if (await db.SenderDomains.AnyAsync(d => d.CheckedAtUtc == null, cancellationToken))
        {
            RunInBackground("sender domain check", () => senderDomains.CheckAllAsync(CancellationToken.None));
        }
    }

    private void RunInBackground(string what, Func<Task> work)
    {
        _ = Task.Run(async () =>
        {
            try
            {
                await work();
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "The demo's first {What} failed", what);
            }
        }, CancellationToken.None);
    }
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public async Task StoppedAsync(CancellationToken cancellationToken) => await world.DisposeAsync();
}
