using System.Net;
using PrPortal.Features.Providers;
using PrPortal.Infrastructure.Dns;
using PrPortal.Sandbox.Dns;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Sandbox;

/// <summary>The sandbox DNS server answered over UDP by DnsClient, as the portal's lookups are.</summary>
[Trait("Category", "Integration")]
public sealed class SandboxDnsTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private SandboxZones Zones => sandbox.World.Zones;

    [Fact]
    public async Task Demo_domains_have_their_providers_real_mx_names_in_preference_order()
    {
        var gmail = await sandbox.Dns.MxAsync("gmail.com", default);

        Assert.Equal(DnsStatus.Ok, gmail.Status);
        Assert.Equal(["gmail-smtp-in.l.google.com", "alt1.gmail-smtp-in.l.google.com"], gmail.Records.Select(r => r.Host));
        var address = await sandbox.Dns.AddressesAsync("gmail-smtp-in.l.google.com", default);
        Assert.Equal(sandbox.World.Simulator(MailboxProviderCatalog.Google).Endpoint.Address, Assert.Single(address.Records));
    }

    [Fact]
    public async Task Unknown_names_are_nxdomain_and_known_names_without_the_type_are_no_records()
    {
        Zones.SetA("a-only.example.jp", IPAddress.Parse("192.0.2.1"));

        Assert.Equal(DnsStatus.NxDomain, (await sandbox.Dns.MxAsync("nowhere.example.jp", default)).Status);
        Assert.Equal(DnsStatus.NoRecords, (await sandbox.Dns.MxAsync("a-only.example.jp", default)).Status);
    }

    [Fact]
    public async Task Dnsbl_zone_answers_its_rfc5782_test_points_and_listings_change_at_run_time()
    {
        Zones.AddIpBlocklist("zen.sandbox.example");

        var testPoint = await sandbox.Dns.AddressesAsync("2.0.0.127.zen.sandbox.example", default);
        var notListed = await sandbox.Dns.AddressesAsync("1.0.0.127.zen.sandbox.example", default);
        Assert.Equal(IPAddress.Parse("127.0.0.2"), Assert.Single(testPoint.Records));
        Assert.Equal(DnsStatus.NxDomain, notListed.Status);

        Zones.ListIp("zen.sandbox.example", IPAddress.Parse("203.0.113.10"), IPAddress.Parse("127.0.0.3"), "Listed by CSS");
        var listed = await sandbox.Dns.AddressesAsync("10.113.0.203.zen.sandbox.example", default);
        var reason = await sandbox.Dns.TxtAsync("10.113.0.203.zen.sandbox.example", default);
        Assert.Equal(IPAddress.Parse("127.0.0.3"), Assert.Single(listed.Records));
        Assert.Equal("Listed by CSS", Assert.Single(reason.Records));

        Zones.DelistIp("zen.sandbox.example", IPAddress.Parse("203.0.113.10"));
        Assert.Equal(DnsStatus.NxDomain, (await sandbox.Dns.AddressesAsync("10.113.0.203.zen.sandbox.example", default)).Status);
    }

    [Fact]
    public async Task A_wildcard_zone_lists_everything_including_the_127_0_0_1_test_point()
    {
        Zones.AddIpBlocklist("dead.sandbox.example");
        Zones.ListEverything("dead.sandbox.example", IPAddress.Parse("127.0.0.2"));

        var shouldNotBeListed = await sandbox.Dns.AddressesAsync("1.0.0.127.dead.sandbox.example", default);

        Assert.Equal(DnsStatus.Ok, shouldNotBeListed.Status);
    }

    [Fact]
    public async Task Uri_blocklist_lists_domains()
    {
        Zones.AddDomainBlocklist("dbl.sandbox.example", "dbltest.com", IPAddress.Parse("127.0.1.2"));
        Zones.ListDomain("dbl.sandbox.example", "bad-shortener.example", IPAddress.Parse("127.0.1.4"));

        Assert.Equal(IPAddress.Parse("127.0.1.2"), Assert.Single((await sandbox.Dns.AddressesAsync("dbltest.com.dbl.sandbox.example", default)).Records));
        Assert.Equal(IPAddress.Parse("127.0.1.4"), Assert.Single((await sandbox.Dns.AddressesAsync("bad-shortener.example.dbl.sandbox.example", default)).Records));
        Assert.Equal(DnsStatus.NxDomain, (await sandbox.Dns.AddressesAsync("good.example.dbl.sandbox.example", default)).Status);
    }

    [Fact]
    public async Task A_long_txt_record_arrives_whole()
    {
        var key = "v=DKIM1; k=rsa; p=" + new string('A', 392);
        Zones.SetTxt("sel._domainkey.long.example.jp", key);

        var answer = await sandbox.Dns.TxtAsync("sel._domainkey.long.example.jp", default);

        Assert.Equal(key, Assert.Single(answer.Records));
    }

    [Fact]
    public async Task Servfail_and_timeout_faults_are_failures_never_empty_answers()
    {
        Zones.SetMx("servfail.example.jp", ("mx.servfail.example.jp", 10));
        Zones.SetFault("servfail.example.jp", DnsFault.ServFail);
        Zones.SetMx("slow.example.jp", ("mx.slow.example.jp", 10));
        Zones.SetFault("slow.example.jp", DnsFault.Timeout);

        Assert.Equal(DnsStatus.Failed, (await sandbox.Dns.MxAsync("servfail.example.jp", default)).Status);
        Assert.Equal(DnsStatus.Failed, (await sandbox.Dns.MxAsync("slow.example.jp", default)).Status);
        var provider = await sandbox.Providers.ResolveAsync("slow.example.jp", default);
        Assert.Equal(ProviderClassifier.Unknown, provider.Provider);
        Assert.Equal(ProviderResolution.FromNothing, provider.Source);

        Zones.ClearFault("slow.example.jp");
        Assert.Equal(DnsStatus.Ok, (await sandbox.Dns.MxAsync("slow.example.jp", default)).Status);
    }

    [Fact]
    public async Task Provider_verb_classifies_a_microsoft_365_tenant_through_the_sandbox_dns()
    {
        Zones.SetMx("tenant.example.co.jp", ("tenant-example-co-jp.mail.protection.outlook.com", 0));

        var run = await PortalProcess.RunAsync(new Dictionary<string, string>(), "provider", "tenant.example.co.jp", "--dns", sandbox.World.DnsEndpoint.ToString());

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("""{"domain":"tenant.example.co.jp","provider":"microsoft-365","mx":["tenant-example-co-jp.mail.protection.outlook.com"],"source":"mx"}""", run.Stdout.Trim());
    }
}
