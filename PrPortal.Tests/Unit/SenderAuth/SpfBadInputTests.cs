using System.Net;
using PrPortal.Features.SenderAuth;

namespace PrPortal.Tests.Unit.SenderAuth;

/// <summary>Records customers really publish wrongly: each gives the RFC's result and says why in words.</summary>
[Trait("Category", "Unit")]
public sealed class SpfBadInputTests
{
    private static readonly IPAddress Ours = IPAddress.Parse("203.0.113.10");

    private static async Task<SpfOutcome> Check(Dictionary<string, ZoneSpfDns.Entry[]> zone, string domain = "customer.example")
    {
        var dns = new ZoneSpfDns(zone.ToDictionary(z => z.Key, z => (IReadOnlyList<ZoneSpfDns.Entry>)z.Value));
        return await new SpfEvaluator(dns, TimeProvider.System).CheckAsync(Ours, "postmaster@" + domain, "mail.prportal.example", CancellationToken.None);
    }

    private static ZoneSpfDns.Entry Txt(string text) => new("TXT", text);

    [Fact]
    public async Task Our_include_passes_and_names_the_matching_term()
    {
        var outcome = await Check(new()
        {
            ["customer.example"] = [Txt("v=spf1 include:_spf.prportal.example -all")],
            ["_spf.prportal.example"] = [Txt("v=spf1 ip4:203.0.113.0/24 -all")],
        });
        Assert.Equal(SpfResult.Pass, outcome.Result);
        Assert.Contains("include:_spf.prportal.example", outcome.Reason);
        Assert.Equal("v=spf1 include:_spf.prportal.example -all", outcome.Record);
    }

    [Fact]
    public async Task A_syntax_error_is_a_permerror_naming_the_term()
    {
        var outcome = await Check(new() { ["customer.example"] = [Txt("v=spf1 ip4:203.0.113 -all")] });
        Assert.Equal(SpfResult.PermError, outcome.Result);
        Assert.Contains("'ip4:203.0.113'", outcome.Reason);
        Assert.Contains("not an IPv4 address", outcome.Reason);
    }

    [Fact]
    public async Task Two_SPF_records_are_a_permerror()
    {
        var outcome = await Check(new() { ["customer.example"] = [Txt("v=spf1 -all"), Txt("v=spf1 ip4:203.0.113.10 -all")] });
        Assert.Equal(SpfResult.PermError, outcome.Result);
        Assert.Contains("2 SPF records", outcome.Reason);
    }

    [Fact]
    public async Task A_record_split_into_many_strings_is_read_as_one()
    {
        var outcome = await Check(new()
        {
            ["customer.example"] = [new ZoneSpfDns.Entry("TXT", new List<object> { "v=spf1 ", "ip4:198.51.100.0/24 ", "ip4:203.0.113.0/24", " -all" })],
        });
        Assert.Equal(SpfResult.Pass, outcome.Result);
    }

    [Fact]
    public async Task An_include_loop_ends_as_a_permerror_not_a_hang()
    {
        var outcome = await Check(new()
        {
            ["customer.example"] = [Txt("v=spf1 include:loop.customer.example -all")],
            ["loop.customer.example"] = [Txt("v=spf1 include:customer.example -all")],
        });
        Assert.Equal(SpfResult.PermError, outcome.Result);
        Assert.Contains("more than 10 DNS lookups", outcome.Reason);
    }

    [Fact]
    public async Task A_redirect_loop_ends_as_a_permerror()
    {
        var outcome = await Check(new() { ["customer.example"] = [Txt("v=spf1 redirect=customer.example")] });
        Assert.Equal(SpfResult.PermError, outcome.Result);
    }

    [Fact]
    public async Task Twenty_includes_go_over_the_lookup_limit()
    {
        var zone = new Dictionary<string, ZoneSpfDns.Entry[]>
        {
            ["customer.example"] = [Txt("v=spf1 " + string.Join(' ', Enumerable.Range(1, 20).Select(i => $"include:s{i}.customer.example")) + " -all")],
        };
        for (var i = 1; i <= 20; i++)
        {
            zone[$"s{i}.customer.example"] = [Txt($"v=spf1 ip4:192.0.2.{i} -all")];
        }
        var outcome = await Check(zone);
        Assert.Equal(SpfResult.PermError, outcome.Result);
        Assert.Equal(11, outcome.Lookups);
        Assert.Contains("include:s11.customer.example", outcome.Reason);
    }

    [Fact]
    public async Task A_DNS_timeout_is_a_temperror_never_a_pass()
    {
        var outcome = await Check(new()
        {
            ["customer.example"] = [Txt("v=spf1 include:slow.example ip4:203.0.113.10 -all")],
            ["slow.example"] = [new ZoneSpfDns.Entry("TIMEOUT", null)],
        });
        Assert.Equal(SpfResult.TempError, outcome.Result);
        Assert.Contains("timeout", outcome.Reason);
    }

    [Fact]
    public async Task Softfail_and_no_record_are_told_apart()
    {
        var softfail = await Check(new() { ["customer.example"] = [Txt("v=spf1 ip4:198.51.100.1 ~all")] });
        var none = await Check(new() { ["customer.example"] = [Txt("google-site-verification=abc")] });
        Assert.Equal(SpfResult.SoftFail, softfail.Result);
        Assert.Equal(SpfResult.None, none.Result);
        Assert.Contains("no SPF record", none.Reason);
    }
}
