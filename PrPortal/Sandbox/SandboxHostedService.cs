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
public sealed class SandboxHostedService(SandboxWorld world, IDbContextFactory<PortalDbContext> factory, ILogger<SandboxHostedService> logger)
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
        if (world.Options.ApplyIncident)
        {
            var primaries = ips.Where(i => i.Role == SendingIpRole.Primary).ToList();
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
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public async Task StoppedAsync(CancellationToken cancellationToken) => await world.DisposeAsync();
}
