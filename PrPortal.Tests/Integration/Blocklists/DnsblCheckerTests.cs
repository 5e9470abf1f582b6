using System.Net;
using System.Text.Json;
using PrPortal.Data.Entities;
using PrPortal.Features.Blocklists;
using PrPortal.Infrastructure.Dns;
using PrPortal.Sandbox;
using PrPortal.Sandbox.Dns;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Blocklists;

/// <summary>The DNSBL checker against a real rbldnsd, and against the sandbox DNS for timeouts and SERVFAIL.</summary>
[Trait("Category", "Integration")]
public sealed class DnsblCheckerTests(RbldnsdFixture rbldnsd) : IClassFixture<RbldnsdFixture>
{
    private static readonly ZoneRule Zen = ZoneRule.From(new BlocklistZone
    {
        Id = 1, Name = "ZEN (test)", QueryDomain = "zen.test",
        ListingCodes = "127.0.0.2=SBL;127.0.0.3=CSS;127.0.0.4=XBL", ErrorCodes = "127.255.255.252;127.255.255.254;127.255.255.255",
    });

    private static ZoneRule Plain(int id, string zone) => ZoneRule.From(new BlocklistZone { Id = id, Name = zone, QueryDomain = zone });

    private DnsblChecker Checker() => new(new DnsClientResolver(new DnsOptions { Servers = [rbldnsd.Endpoint], TimeoutSeconds = 1, Retries = 1 }));

    [Fact]
    public async Task Each_ip_is_listed_with_its_codes_and_reason_clean_or_unknown_on_an_error_code()
    {
        var checks = await Checker().CheckAsync(["203.0.113.10", "203.0.113.11", "203.0.113.12", "203.0.113.99"], [Zen, Plain(2, "bl.test")], default);

        var css = checks.Single(c => c.Ip == "203.0.113.10" && c.Zone.Id == 1);
        Assert.Equal(BlocklistStatus.Listed, css.Status);
        Assert.Equal(["127.0.0.3"], css.Codes);
        Assert.Equal("CSS: CSS listing for 203.0.113.10", css.Reason);
        Assert.Equal(BlocklistStatus.Listed, checks.Single(c => c.Ip == "203.0.113.10" && c.Zone.Id == 2).Status);
        Assert.Contains("https://bl.test/lookup?ip=203.0.113.10", checks.Single(c => c.Ip == "203.0.113.10" && c.Zone.Id == 2).Reason);
        Assert.Equal(BlocklistStatus.Listed, checks.Single(c => c.Ip == "203.0.113.11" && c.Zone.Id == 1).Status);
        // Spamhaus answers 127.255.255.254 to refused queries: that says nothing about the IP.
        var refused = checks.Single(c => c.Ip == "203.0.113.12" && c.Zone.Id == 1);
        Assert.Equal(BlocklistStatus.Unknown, refused.Status);
        Assert.Contains("127.255.255.254", refused.Reason);
        Assert.Equal(BlocklistStatus.Clean, checks.Single(c => c.Ip == "203.0.113.99" && c.Zone.Id == 1).Status);
        Assert.Equal(BlocklistStatus.Clean, checks.Single(c => c.Ip == "203.0.113.12" && c.Zone.Id == 2).Status);
    }

    [Fact]
    public async Task A_zone_that_lists_everything_or_fails_its_test_points_gives_unknown_never_listed()
    {
        var checks = await Checker().CheckAsync(["203.0.113.10", "203.0.113.99"], [Plain(3, "dead.test"), Plain(4, "broken.test")], default);

        Assert.All(checks, c => Assert.Equal(BlocklistStatus.Unknown, c.Status));
        Assert.All(checks.Where(c => c.Zone.Id == 3), c => Assert.Contains("lists everything", c.Reason));
        Assert.All(checks.Where(c => c.Zone.Id == 4), c => Assert.Contains("127.0.0.2 is not listed", c.Reason));
    }

    [Fact]
    public async Task An_ipv6_address_is_asked_in_nibble_form()
    {
        Assert.Equal("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.v6.test", DnsblChecker.QueryName("2001:db8::1", "v6.test"));

        var checks = await Checker().CheckAsync(["2001:db8::1", "2001:db8:1::1"], [Plain(5, "v6.test")], default);

        Assert.Equal(BlocklistStatus.Listed, checks.Single(c => c.Ip == "2001:db8::1").Status);
        Assert.Equal(BlocklistStatus.Clean, checks.Single(c => c.Ip == "2001:db8:1::1").Status);
    }

    [Fact]
    public async Task Timeouts_and_servfail_are_unknown()
    {
        await using var world = new SandboxWorld(new SandboxOptions { DnsPort = 0, SndsPort = 0, LinkWorldPort = 0, LinkWorldTlsPort = 0, SimulatorNetwork = "127.93.1.0", SmtpPort = 2525 });
        world.Start();
        world.Zones.AddIpBlocklist("slow.test");
        world.Zones.AddIpBlocklist("fail.test");
        world.Zones.AddIpBlocklist("ok.test");
        world.Zones.ListIp("ok.test", IPAddress.Parse("203.0.113.10"), IPAddress.Parse("127.0.0.2"));
        var checker = new DnsblChecker(new DnsClientResolver(new DnsOptions { Servers = [world.DnsEndpoint.ToString()], TimeoutSeconds = 0.5, Retries = 1 }));
        // Test points answer; then the zone goes silent or fails for the IP queries.
        world.Zones.SetFault("10.113.0.203.slow.test", DnsFault.Timeout);
        world.Zones.SetFault("10.113.0.203.fail.test", DnsFault.ServFail);

        var checks = await checker.CheckAsync(["203.0.113.10"], [Plain(6, "slow.test"), Plain(7, "fail.test"), Plain(8, "ok.test")], default);

        Assert.Equal(BlocklistStatus.Unknown, checks.Single(c => c.Zone.Id == 6).Status);
        Assert.Equal(BlocklistStatus.Unknown, checks.Single(c => c.Zone.Id == 7).Status);
        Assert.Equal(BlocklistStatus.Listed, checks.Single(c => c.Zone.Id == 8).Status);
    }

    [Fact]
    public async Task The_dnsbl_check_verb_prints_one_object_per_ip_and_zone()
    {
        var db = TempFiles.NewPath("verb", ".db");
        var env = PortalProcess.Environment(db);

        var run = await PortalProcess.RunAsync(env, "dnsbl-check", "--ip", "203.0.113.10", "--ip", "203.0.113.99", "--zone", "zen.test", "--zone", "bl.test", "--dns", rbldnsd.Endpoint);
        var bad = await PortalProcess.RunAsync(env, "dnsbl-check", "--ip", "not-an-ip");
        var badDns = await PortalProcess.RunAsync(env, "dnsbl-check", "--ip", "203.0.113.10", "--dns", "dns.example:53");
        TempFiles.DeleteDatabase(db);

        Assert.Equal(0, run.ExitCode);
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(4, lines.Count);
        var listed = lines.Single(l => l.GetProperty("ip").GetString() == "203.0.113.10" && l.GetProperty("zone").GetString() == "zen.test");
        Assert.Equal("listed", listed.GetProperty("status").GetString());
        Assert.Equal("127.0.0.3", listed.GetProperty("codes")[0].GetString());
        Assert.Equal("clean", lines.Single(l => l.GetProperty("ip").GetString() == "203.0.113.99" && l.GetProperty("zone").GetString() == "bl.test").GetProperty("status").GetString());
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("not-an-ip", bad.Stderr);
        Assert.Equal(2, badDns.ExitCode);
        Assert.Contains("--dns", badDns.Stderr);
    }
}
