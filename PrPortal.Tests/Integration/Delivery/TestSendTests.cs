using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Delivery;
using PrPortal.Features.Providers;
using PrPortal.Sandbox;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Delivery;

/// <summary>The demo portal with its sandbox: a test send goes over loopback SMTP and lands in the database.</summary>
[Trait("Category", "Integration")]
public sealed class TestSendTests(DemoPortalFactory factory) : IClassFixture<DemoPortalFactory>
{
    private async Task<(DeliveryService Service, List<SendingIpChoice> Ips)> StartAsync()
    {
        _ = factory.Server;
        var service = factory.Service<DeliveryService>();
        return (service, (await service.SendingIpsAsync(default)).ToList());
    }

    [Fact]
    public async Task The_demo_sandbox_blocks_the_incident_ips_at_microsoft_and_attempts_are_stored()
    {
        var (service, ips) = await StartAsync();
        var blocked = ips.First(i => i.Role == SendingIpRole.Primary);        // primary 1 of 39 blocked
        var healthy = ips.Where(i => i.Role == SendingIpRole.Primary).Last(); // primary 48

        var refused = await service.SendTestAsync(new TestSend { Recipients = "taro@outlook.jp", SendingIpId = blocked.Id }, default);
        var delivered = await service.SendTestAsync(new TestSend { Recipients = "hanako@outlook.jp\ndesk@gmail.com", SendingIpId = healthy.Id }, default);

        var r = Assert.Single(refused.Attempts);
        Assert.Equal(AttemptOutcome.Rejected, r.Outcome);
        Assert.Contains($"Unfortunately, messages from [{blocked.Address}] weren't sent", r.ReplyText);
        Assert.Equal(blocked.BindAddress, r.BindAddress);
        Assert.All(delivered.Attempts, a => Assert.Equal(AttemptOutcome.Accepted, a.Outcome));

        await using var db = await factory.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var stored = await db.DeliveryAttempts.Include(a => a.Delivery!).ThenInclude(d => d.Recipient)
            .Where(a => a.Delivery!.Recipient!.Email == "taro@outlook.jp").SingleAsync();
        Assert.Equal(r.ReplyText, stored.ReplyText);
        Assert.Equal(MailboxProviderCatalog.MicrosoftConsumer, stored.ProviderId);
        Assert.Equal(DeliveryStatus.Failed, stored.Delivery!.Status);
        Assert.Equal(DeliveryStatus.Delivered, (await db.Deliveries.Include(d => d.Recipient).SingleAsync(d => d.Recipient!.Email == "desk@gmail.com")).Status);
        var sandbox = factory.Service<SandboxWorld>();
        Assert.Contains(sandbox.Simulator(MailboxProviderCatalog.Google).Received, m => m.Recipients.Contains("desk@gmail.com") && m.SourceIp == healthy.Address);
    }

    [Fact]
    public async Task Every_attempt_is_written_to_the_json_lines_delivery_log_that_ingest_reads()
    {
        var (service, ips) = await StartAsync();
        var blocked = ips.First(i => i.Role == SendingIpRole.Primary);

        var result = await service.SendTestAsync(new TestSend { Recipients = "logged-block@hotmail.com", SendingIpId = blocked.Id }, default);

        var attempt = Assert.Single(result.Attempts);
        var lines = File.ReadAllLines(factory.DeliveryLogPath).Where(l => l.Contains("logged-block@hotmail.com")).ToList();
        var records = PrPortal.Features.SendLog.SendLogParserExtensions.ParseAll(new PrPortal.Features.SendLog.JsonLinesLogParser(), new StringReader(string.Join('\n', lines))).ToList();
        var record = Assert.Single(records).Record!;
        Assert.Equal(AttemptOutcome.Rejected, record.Outcome);
        Assert.Equal(blocked.Address, record.SourceIp);
        Assert.Equal(attempt.ReplyText, record.ReplyText);
        Assert.Matches(@"^bounce\+d\d+@bounce\.prportal\.example$", record.EnvelopeFrom);
    }

    [Fact]
    public async Task Lines_that_are_not_addresses_are_refused_and_named_and_the_rest_sent()
    {
        var (service, ips) = await StartAsync();

        var result = await service.SendTestAsync(new TestSend { Recipients = "ok@docomo.ne.jp\nnot an address\n@nouser.jp", SendingIpId = ips[^1].Id }, default);

        Assert.Equal(["not an address", "@nouser.jp"], result.Refused);
        Assert.Equal("ok@docomo.ne.jp", Assert.Single(result.Attempts).Recipient);
    }

    [Fact]
    public async Task Each_mail_carries_a_verp_return_path_and_a_message_id_naming_its_delivery()
    {
        var (service, ips) = await StartAsync();

        var result = await service.SendTestAsync(new TestSend { Recipients = "verp@icloud.com", SendingIpId = ips[^1].Id }, default);

        Assert.Equal(AttemptOutcome.Accepted, Assert.Single(result.Attempts).Outcome);
        var received = factory.Service<SandboxWorld>().Simulator(MailboxProviderCatalog.ICloud).Received.Single(m => m.Recipients.Contains("verp@icloud.com"));
        Assert.Matches(@"^bounce\+d\d+@bounce\.prportal\.example$", received.MailFrom);
        var deliveryId = received.MailFrom["bounce+d".Length..received.MailFrom.IndexOf('@')];
        Assert.StartsWith($"<d{deliveryId}.", received.MessageId);
    }

    [Fact]
    public async Task A_domain_that_does_not_exist_is_recorded_as_an_error_of_unknown_provider()
    {
        var (service, ips) = await StartAsync();

        var result = await service.SendTestAsync(new TestSend { Recipients = "pr@no-such-domain.example.jp", SendingIpId = ips[^1].Id }, default);

        var attempt = Assert.Single(result.Attempts);
        Assert.Equal(AttemptOutcome.Error, attempt.Outcome);
        Assert.Equal(MailboxProviderCatalog.Unknown, attempt.Provider);
        Assert.Contains("does not exist (NXDOMAIN)", attempt.Error);
        await using var db = await factory.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var stored = await db.DeliveryAttempts.SingleAsync(a => a.Error != null && a.Error.Contains("no-such-domain.example.jp"));
        Assert.Equal(DeliveryStatus.Deferred, (await db.Deliveries.SingleAsync(d => d.Id == stored.DeliveryId)).Status);
    }
}
