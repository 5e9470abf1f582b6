using Microsoft.AspNetCore.WebUtilities;
using PrPortal.Features.Reports;

namespace PrPortal.Tests.Unit;

/// <summary>The page's CSV links and the CSV endpoint (and the verb) read a scope the same way.</summary>
[Trait("Category", "Unit")]
public sealed class AffectedScopeTests
{
    private static AffectedScope RoundTrip(AffectedScope scope)
    {
        var query = QueryHelpers.ParseQuery(new Uri("http://portal" + AffectedCsv.Link(scope, "companies")).Query);
        Assert.Equal("companies", query["table"].ToString());
        return AffectedCsv.ParseScope(name => query.TryGetValue(name, out var v) ? v.Select(x => x!).ToList() : []);
    }

    [Fact]
    public void A_period_scope_survives_its_download_link()
    {
        var scope = new AffectedScope
        {
            FromUtc = new DateTime(2026, 9, 29, 15, 0, 0, DateTimeKind.Utc), UntilUtc = new DateTime(2026, 11, 28, 15, 0, 0, DateTimeKind.Utc),
            Providers = ["microsoft-consumer", "microsoft-365"], SendingIpIds = [3, 7], ExtraReasons = ["expired"],
        };

        var back = RoundTrip(scope);

        Assert.Equal((scope.FromUtc, scope.UntilUtc, null as int?), (back.FromUtc, back.UntilUtc, back.IncidentId));
        Assert.Equal(scope.Providers, back.Providers);
        Assert.Equal(scope.SendingIpIds, back.SendingIpIds);
        Assert.Equal(scope.ExtraReasons, back.ExtraReasons);
    }

    [Fact]
    public void An_incident_scope_survives_its_download_link()
    {
        var back = RoundTrip(new AffectedScope { IncidentId = 12, ExtraReasons = ["networkerror"] });

        Assert.Equal(12, back.IncidentId);
        Assert.Equal(["networkerror"], back.ExtraReasons);
    }

    [Theory]
    [InlineData("incident", "0", "not an incident number")]
    [InlineData("from", "yesterday", "not a date")]
    [InlineData("ip", "x", "not a sending IP id")]
    [InlineData("reason", "ip block!", "not a reason name")]
    public void A_bad_value_is_refused_naming_it(string name, string value, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => AffectedCsv.ParseScope(n => n == name ? [value] : []));

        Assert.StartsWith(name + ":", error.Message);
        Assert.Contains(reason, error.Message);
    }
}
