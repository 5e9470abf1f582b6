using System.Diagnostics;
using System.Net;
using PrPortal.Data.Entities;
using PrPortal.Features.Providers;
using PrPortal.Sandbox.Dns;
using PrPortal.Sandbox.Smtp;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Delivery;

/// <summary>The delivery engine against the sandbox's provider simulators, over real sockets on loopback.</summary>
[Trait("Category", "Integration")]
public sealed class DeliveryEngineTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    [Fact]
    public async Task Outlook_rejects_only_the_blocked_ip_with_S3150_and_the_reply_is_kept_verbatim()
    {
        var blocked = sandbox.Ip(1);
        var healthy = sandbox.Ip(2);
        sandbox.World.Block(MailboxProviderCatalog.MicrosoftConsumer, blocked.Address);

        var refused = Assert.Single(await sandbox.Engine.SendAsync(TestMail.To(blocked, "taro@outlook.jp"), default));
        var accepted = Assert.Single(await sandbox.Engine.SendAsync(TestMail.To(healthy, "hanako@outlook.jp"), default));

        Assert.Equal(AttemptOutcome.Rejected, refused.Outcome);
        Assert.Equal(550, refused.ReplyCode);
        Assert.Equal("5.7.1", refused.EnhancedStatus);
        Assert.Equal("550 5.7.1 Unfortunately, messages from [203.0.113.10] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.", refused.ReplyText);
        Assert.Equal(MailboxProviderCatalog.MicrosoftConsumer, refused.Provider);
        Assert.Equal("outlook-jp.olc.protection.outlook.com", refused.MxHost);

        Assert.Equal(AttemptOutcome.Accepted, accepted.Outcome);
        Assert.StartsWith("250 2.6.0 <", accepted.ReplyText);
        Assert.Contains(sandbox.World.Simulator(MailboxProviderCatalog.MicrosoftConsumer).Received, m => m.Recipients.Contains("hanako@outlook.jp") && m.SourceIp == healthy.Address);
        Assert.DoesNotContain(sandbox.World.Simulator(MailboxProviderCatalog.MicrosoftConsumer).Received, m => m.Recipients.Contains("taro@outlook.jp"));
    }

    [Fact]
    public async Task A_company_domain_is_microsoft_365_by_its_mx_and_its_block_comes_at_rcpt()
    {
        var ip = sandbox.Ip(3);
        sandbox.World.Block(MailboxProviderCatalog.Microsoft365, ip.Address);

        var result = Assert.Single(await sandbox.Engine.SendAsync(TestMail.To(ip, "desk@sakura-shimbun.example.co.jp"), default));

        Assert.Equal(MailboxProviderCatalog.Microsoft365, result.Provider);
        Assert.Equal(AttemptOutcome.Rejected, result.Outcome);
        Assert.Equal("5.7.606", result.EnhancedStatus);
        Assert.Equal($"550 5.7.606 Access denied, banned sending IP [{ip.Address}]. To request removal from this list please visit https://sender.office.com/ and follow the directions. (AS16012609)", result.ReplyText);
    }

    [Fact]
    public async Task Gmail_rate_limit_is_a_deferral_with_every_line_of_the_multi_line_reply()
    {
        var ip = sandbox.Ip(4);
        sandbox.World.Block(MailboxProviderCatalog.Google, ip.Address);

        var result = Assert.Single(await sandbox.Engine.SendAsync(TestMail.To(ip, "yuki@gmail.com"), default));

        Assert.Equal(AttemptOutcome.Deferred, result.Outcome);
        Assert.Equal(421, result.ReplyCode);
        Assert.Equal("4.7.28", result.EnhancedStatus);
        var lines = result.ReplyText!.Split('\n');
        Assert.Equal(5, lines.Length);
        Assert.All(lines[..4], l => Assert.StartsWith("421-4.7.28 ", l));
        Assert.Equal("421 4.7.28 Bulk Email Senders Guidelines. d9443c01a7336-2a1b2c3d4e5si123456.gsmtp - gsmtp", lines[4]);
        Assert.Contains($"[{ip.Address}]", lines[1]);
    }

    [Fact]
    public async Task Yahoo_deferral_at_the_greeting_is_recorded_as_deferred()
    {
        var ip = sandbox.Ip(5);
        sandbox.World.Block(MailboxProviderCatalog.YahooJapan, ip.Address);

        var result = Assert.Single(await sandbox.Engine.SendAsync(TestMail.To(ip, "ken@yahoo.co.jp"), default));

        Assert.Equal(AttemptOutcome.Deferred, result.Outcome);
        Assert.Equal($"421 4.7.0 [TSS04] Messages from {ip.Address} temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes", result.ReplyText);
    }

    [Fact]
    public async Task A_tcp_reset_in_the_middle_of_data_ends_as_an_error_attempt_not_a_hang()
    {
        var ip = sandbox.Ip(6);
        sandbox.World.Block(MailboxProviderCatalog.Kddi, ip.Address);

        var result = Assert.Single(await sandbox.Engine.SendAsync(TestMail.To(ip, "aoi@ezweb.ne.jp"), default));

        Assert.Equal(AttemptOutcome.Error, result.Outcome);
        Assert.Null(result.ReplyCode);
        Assert.Contains("lost during DATA", result.Error);
        Assert.Equal("lsean.ezweb.ne.jp", result.MxHost);
    }

    [Fact]
    public async Task Each_recipient_gets_its_own_reply_in_one_message()
    {
        var ip = sandbox.Ip(7);
        var docomo = sandbox.World.Simulator(MailboxProviderCatalog.Docomo);
        docomo.Rules.SetAddressReply("gone@docomo.ne.jp", docomo.Profile.UserUnknown);

        var results = await sandbox.Engine.SendAsync(TestMail.To(ip, "gone@docomo.ne.jp", "here@docomo.ne.jp"), default);

        var gone = results.Single(r => r.Recipient.Address == "gone@docomo.ne.jp");
        var here = results.Single(r => r.Recipient.Address == "here@docomo.ne.jp");
        Assert.Equal(AttemptOutcome.Rejected, gone.Outcome);
        Assert.Equal("550 Unknown user gone@docomo.ne.jp", gone.ReplyText);
        Assert.Equal(AttemptOutcome.Accepted, here.Outcome);
        Assert.Contains(docomo.Received, m => m.Recipients.SequenceEqual(["here@docomo.ne.jp"]));
    }

    [Fact]
    public async Task An_unreachable_first_mx_falls_back_to_the_next_in_preference_order()
    {
        var ip = sandbox.Ip(8);
        sandbox.World.Zones.SetMx("fallback.example.jp", ("dead-mx.fallback.example.jp", 5), ("mx2.fallback.example.jp", 20));
        sandbox.World.Zones.SetA("dead-mx.fallback.example.jp", IPAddress.Parse($"{sandbox.NetworkPrefix}.200"));
        sandbox.World.Zones.SetA("mx2.fallback.example.jp", sandbox.World.Simulator(MailboxProviderCatalog.Other).Endpoint.Address);

        var result = Assert.Single(await sandbox.Engine.SendAsync(TestMail.To(ip, "pr@fallback.example.jp"), default));

        Assert.Equal(AttemptOutcome.Accepted, result.Outcome);
        Assert.Equal("mx2.fallback.example.jp", result.MxHost);
    }

    [Fact]
    public async Task No_reachable_mx_is_an_error_naming_what_failed()
    {
        var ip = sandbox.Ip(9);
        sandbox.World.Zones.SetMx("dead.example.jp", ("mx.dead.example.jp", 10));
        sandbox.World.Zones.SetA("mx.dead.example.jp", IPAddress.Parse($"{sandbox.NetworkPrefix}.201"));

        var result = Assert.Single(await sandbox.Engine.SendAsync(TestMail.To(ip, "pr@dead.example.jp"), default));

        Assert.Equal(AttemptOutcome.Error, result.Outcome);
        Assert.Contains("connect to mx.dead.example.jp", result.Error);
        Assert.Contains("failed", result.Error);
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out_into_an_error_attempt()
    {
        var ip = sandbox.Ip(10);
        var other = sandbox.World.Simulator(MailboxProviderCatalog.ICloud);
        other.Rules.Block(ip.Address, new SimulatedReply(BlockStage.Silence, ""));
        var watch = Stopwatch.StartNew();

        var result = Assert.Single(await sandbox.Engine.SendAsync(TestMail.To(ip, "mei@icloud.com"), default));

        Assert.Equal(AttemptOutcome.Error, result.Outcome);
        Assert.Contains("no greeting", result.Error);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_domain_without_mx_is_delivered_to_its_own_address()
    {
        var ip = sandbox.Ip(11);
        sandbox.World.Zones.SetA("nomx.example.jp", sandbox.World.Simulator(MailboxProviderCatalog.Other).Endpoint.Address);

        var result = Assert.Single(await sandbox.Engine.SendAsync(TestMail.To(ip, "pr@nomx.example.jp"), default));

        Assert.Equal(AttemptOutcome.Accepted, result.Outcome);
        Assert.Equal("nomx.example.jp", result.MxHost);
    }

    [Fact]
    public async Task A_failing_dns_lookup_is_an_error_and_the_provider_stays_unknown()
    {
        var ip = sandbox.Ip(12);
        sandbox.World.Zones.SetMx("broken-dns.example.jp", ("mx.broken-dns.example.jp", 10));
        sandbox.World.Zones.SetFault("broken-dns.example.jp", DnsFault.ServFail);

        var result = Assert.Single(await sandbox.Engine.SendAsync(TestMail.To(ip, "pr@broken-dns.example.jp"), default));

        Assert.Equal(AttemptOutcome.Error, result.Outcome);
        Assert.Equal(ProviderClassifier.Unknown, result.Provider);
        Assert.Contains("MX lookup for broken-dns.example.jp failed", result.Error);
    }

    [Fact]
    public async Task Invalid_addresses_are_refused_before_anything_is_sent()
    {
        var ip = sandbox.Ip(13);
        var before = sandbox.Engine.ConnectionsOpened;

        var results = await sandbox.Engine.SendAsync(TestMail.To(ip, "not an address", "a@@b", "nodomain@"), default);

        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.Equal(AttemptOutcome.Error, r.Outcome));
        Assert.All(results, r => Assert.Contains("invalid recipient address", r.Error));
        Assert.Equal(before, sandbox.Engine.ConnectionsOpened);
    }

    [Fact]
    public async Task One_connection_carries_many_messages_from_the_same_ip()
    {
        var ip = sandbox.Ip(14);
        await using var engine = sandbox.NewEngine();
        var softbank = sandbox.World.Simulator(MailboxProviderCatalog.SoftBank);

        for (var i = 0; i < 10; i++)
        {
            var result = Assert.Single(await engine.SendAsync(TestMail.To(ip, $"user{i}@i.softbank.jp"), default));
            Assert.Equal(AttemptOutcome.Accepted, result.Outcome);
        }

        Assert.Equal(1, softbank.Connections[ip.Address]);
        Assert.Equal(10, softbank.Received.Count(m => m.SourceIp == ip.Address));
    }

    [Fact]
    public async Task Unblocking_at_run_time_lets_the_ip_through()
    {
        var ip = sandbox.Ip(15);
        sandbox.World.Block(MailboxProviderCatalog.MicrosoftConsumer, ip.Address);
        var first = Assert.Single(await sandbox.Engine.SendAsync(TestMail.To(ip, "a@hotmail.co.jp"), default));

        sandbox.World.Unblock(MailboxProviderCatalog.MicrosoftConsumer, ip.Address);
        var second = Assert.Single(await sandbox.Engine.SendAsync(TestMail.To(ip, "a@hotmail.co.jp"), default));

        Assert.Equal(AttemptOutcome.Rejected, first.Outcome);
        Assert.Equal(AttemptOutcome.Accepted, second.Outcome);
    }

    [Fact]
    public async Task Connections_from_one_ip_stay_within_the_configured_bound()
    {
        var ip = sandbox.Ip(16);
        var slow = sandbox.World.Simulator(MailboxProviderCatalog.Other);
        await using var engine = sandbox.NewEngine(new() { SmtpPort = 2525, ConnectTimeoutSeconds = 5, CommandTimeoutSeconds = 5, MaxConnectionsPerIp = 2 });
        sandbox.World.Zones.SetMx("slow.example.com", ("mx.slow.example.com", 10));
        sandbox.World.Zones.SetA("mx.slow.example.com", slow.Endpoint.Address);
        slow.ReplyDelay = TimeSpan.FromMilliseconds(20);
        try
        {
            var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => engine.SendAsync(TestMail.To(ip, $"u{i}@slow.example.com"), default)));

            Assert.All(results.SelectMany(r => r), r => Assert.Equal(AttemptOutcome.Accepted, r.Outcome));
            Assert.Equal(2, slow.PeakConcurrentConnections[ip.Address]);
        }
        finally
        {
            slow.ReplyDelay = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task Relay_mode_sends_every_domain_through_the_pools_smarthost()
    {
        var ip = sandbox.Ip(17);
        var relay = sandbox.World.Simulator(MailboxProviderCatalog.Other);
        await using var engine = sandbox.NewEngine(new()
        {
            Mode = "relay",
            Relays = new() { ["Primary"] = $"{relay.Endpoint.Address}:{relay.Endpoint.Port}" },
            ConnectTimeoutSeconds = 2,
            CommandTimeoutSeconds = 2,
        });

        var results = await engine.SendAsync(TestMail.To(ip, "a@gmail.com", "b@outlook.jp"), default);
        var spare = await engine.SendAsync(TestMail.To(ip with { Role = SendingIpRole.Spare }, "c@gmail.com"), default);

        Assert.All(results, r => Assert.Equal(AttemptOutcome.Accepted, r.Outcome));
        Assert.Contains(relay.Received, m => m.Recipients.Contains("a@gmail.com"));
        Assert.Contains(relay.Received, m => m.Recipients.Contains("b@outlook.jp"));
        Assert.Contains("no relay configured for the Spare pool", Assert.Single(spare).Error);
    }

    [Theory]
    [InlineData(BlockStage.MailFrom, "451 4.7.1 Please try again later")]
    [InlineData(BlockStage.Rcpt, "450 4.2.0 <{rcpt}>: Recipient address rejected: Greylisted")]
    [InlineData(BlockStage.AfterData, "452 4.3.1 Insufficient system storage")]
    [InlineData(BlockStage.Greeting, "421 4.3.2 Service not available, closing transmission channel")]
    public async Task A_4xx_at_any_stage_is_a_deferral_with_its_reply(BlockStage stage, string reply)
    {
        var ip = sandbox.Ip(20 + (int)stage);
        var other = sandbox.World.Simulator(MailboxProviderCatalog.Other);
        other.Rules.Block(ip.Address, new SimulatedReply(stage, reply));
        var domain = $"stage{(int)stage}.example.com";
        sandbox.World.Zones.SetMx(domain, ($"mx.{domain}", 10));
        sandbox.World.Zones.SetA($"mx.{domain}", other.Endpoint.Address);

        var result = Assert.Single(await sandbox.Engine.SendAsync(TestMail.To(ip, $"pr@{domain}"), default));

        Assert.Equal(AttemptOutcome.Deferred, result.Outcome);
        Assert.Equal(reply.Replace("{rcpt}", $"pr@{domain}"), result.ReplyText);
    }

    [Theory]
    [InlineData("yuki@gmail.com", MailboxProviderCatalog.Google)]
    [InlineData("taro@outlook.com", MailboxProviderCatalog.MicrosoftConsumer)]
    [InlineData("desk@aoba-media.example.co.jp", MailboxProviderCatalog.Microsoft365)]
    [InlineData("ken@yahoo.co.jp", MailboxProviderCatalog.YahooJapan)]
    [InlineData("aoi@docomo.ne.jp", MailboxProviderCatalog.Docomo)]
    [InlineData("riku@au.com", MailboxProviderCatalog.Kddi)]
    [InlineData("hina@i.softbank.jp", MailboxProviderCatalog.SoftBank)]
    [InlineData("mei@me.com", MailboxProviderCatalog.ICloud)]
    [InlineData("pr@sakura0-tech.example.com", MailboxProviderCatalog.Other)]
    public async Task Every_provider_simulator_accepts_unblocked_ips(string recipient, string provider)
    {
        var results = await Task.WhenAll(new[] { 30, 31, 32 }.Select(n => sandbox.Engine.SendAsync(TestMail.To(sandbox.Ip(n), recipient), default)));

        Assert.All(results.SelectMany(r => r), r =>
        {
            Assert.Equal(AttemptOutcome.Accepted, r.Outcome);
            Assert.Equal(provider, r.Provider);
        });
        var simulator = sandbox.World.Simulator(provider);
        Assert.Equal(3, simulator.Received.Count(m => m.Recipients.Contains(recipient)));
    }
}
