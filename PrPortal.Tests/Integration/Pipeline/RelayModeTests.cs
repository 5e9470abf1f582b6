using System.Net;
using MailKit.Net.Imap;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Bounces;
using PrPortal.Features.Delivery;
using PrPortal.Features.Providers;
using PrPortal.Infrastructure.Dns;
using PrPortal.Sandbox;
using PrPortal.Sandbox.Smtp;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Pipeline;

/// <summary>
/// Delivery through a relay that accepts everything: the providers' refusals come back only as bounces,
/// into the bounce mailbox (dovecot), and the block is seen from them.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RelayModeTests(DovecotFixture dovecot) : IClassFixture<DovecotFixture>, IAsyncLifetime
{
    private readonly DemoPortalFactory _demo = new();
    private WebApplicationFactory<Program> _portal = default!;

    public Task InitializeAsync()
    {
        _portal = dovecot.PortalOn(_demo);
        _ = _portal.Server;
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_block_behind_a_relay_that_accepted_everything_is_seen_from_the_bounces()
    {
        var services = _portal.Services;
        var world = services.GetRequiredService<SandboxWorld>();
        var providers = services.GetRequiredService<ProviderResolver>();
        await using var relay = new SandboxRelay(world, new IPEndPoint(IPAddress.Parse("127.0.9.25"), LoopbackPorts.Free()),
            async (domain, ct) => (await providers.ResolveAsync(domain, ct)).Provider, AppendAsync);
        relay.Start();
        var options = services.GetRequiredService<DeliveryOptions>() with
        {
            Mode = "relay",
            Relays = new() { ["Primary"] = $"{relay.Endpoint.Address}:{relay.Endpoint.Port}" },
        };
        await using var engine = new DeliveryEngine(services.GetRequiredService<IDnsResolver>(), providers, options, TimeProvider.System, NullLogger<DeliveryEngine>.Instance);
        var sender = new ReleaseSender(engine, services.GetRequiredService<Features.IpPool.RoutingService>());
        var started = DateTime.UtcNow.AddSeconds(-1);

        // 203.0.113.10 is blocked at Outlook.com in the demo; the relay takes the mail all the same.
        var sent = await CustomerMail.SendAsync(services, sender, "203.0.113.10", "relay-a@outlook.jp", "relay-b@hotmail.com", "relay-c@outlook.com", "relay-d@gmail.com");
        Assert.All(sent, r => Assert.Equal(AttemptOutcome.Accepted, r.Outcome));
        await using var db = await services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.False(await db.Incidents.AnyAsync(i => i.OpenedAtUtc >= started || i.LastEventAtUtc >= started));

        // The relay sends on and returns three bounces; the bounce mailbox job reads them.
        Assert.Equal(3, await relay.ForwardAsync(default));
        var fetched = await services.GetRequiredService<BounceMailboxService>().FetchAsync(default);

        Assert.Equal((3, 3, 3), (fetched.Messages, fetched.Recipients, fetched.TiedToDeliveries));
        var ids = sent.Select(r => r.Recipient.DeliveryId!.Value).ToList();
        var statuses = await db.Deliveries.AsNoTracking().Where(d => ids.Contains(d.Id)).Include(d => d.Recipient)
            .ToDictionaryAsync(d => d.Recipient!.Email, d => d.Status);
        Assert.Equal(DeliveryStatus.Failed, statuses["relay-a@outlook.jp"]);
        Assert.Equal(DeliveryStatus.Delivered, statuses["relay-d@gmail.com"]);
        Assert.Equal(3, await db.FailedDeliveries.CountAsync(f => ids.Contains(f.DeliveryId) && f.IpBlock && f.DeliveredAtUtc == null));
        var incident = await db.Incidents.AsNoTracking().Include(i => i.Cells)
            .SingleAsync(i => i.Class == IncidentClass.Live && i.Status == IncidentStatus.Open && i.Cells.Any(c => c.DetectedAtUtc >= started));
        Assert.Contains(incident.Cells, c => c.SourceIp == "203.0.113.10" && c.ProviderId == MailboxProviderCatalog.MicrosoftConsumer);
    }

    private async Task AppendAsync(MimeKit.MimeMessage bounce, CancellationToken cancellationToken)
    {
        using var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", dovecot.Port, MailKit.Security.SecureSocketOptions.None, cancellationToken);
        await imap.AuthenticateAsync(DovecotFixture.User, DovecotFixture.Password, cancellationToken);
        await imap.Inbox.AppendAsync(new MailKit.AppendRequest(bounce), cancellationToken);
        await imap.DisconnectAsync(true, cancellationToken);
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        await _demo.DisposeAsync();
    }
}
