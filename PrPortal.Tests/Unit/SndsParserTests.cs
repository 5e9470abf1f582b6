using System.Net;
using PrPortal.Features.Blocklists.Snds;

namespace PrPortal.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class SndsParserTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "snds", name));

    [Fact]
    public void Data_rows_are_read_by_field_and_bad_rows_are_named_while_the_rest_are_kept()
    {
        var parsed = SndsParser.ParseData(Fixture("data.csv"));

        Assert.Equal(["203.0.113.10", "203.0.113.11", "203.0.113.12", "198.51.100.7"], parsed.Rows.Select(r => r.Ip));
        var red = parsed.Rows[0];
        Assert.Equal(("RED", "2.1%", 41, 14129, 13025), (red.FilterResult, red.ComplaintRate, red.TrapHits, red.RcptCommands, red.Recipients));
        Assert.Equal("bounce@mail.prportal.example", red.SampleMailFrom);
        // SNDS times are Pacific: midnight on 26 November (PST, UTC-8) is 08:00 UTC.
        Assert.Equal(new DateTime(2026, 11, 26, 8, 0, 0, DateTimeKind.Utc), red.ActivityStartUtc);
        Assert.Equal(new DateOnly(2026, 11, 26), SndsParser.DayOf(red.ActivityStartUtc!.Value));
        Assert.Collection(parsed.Bad,
            b => Assert.Equal((4, true), (b.Line, b.Problem.Contains("expected 14 fields") && b.Problem.Contains("got 4"))),
            b => Assert.Equal((5, true), (b.Line, b.Problem.Contains("'PURPLE'"))));
    }

    [Fact]
    public void Ip_status_ranges_keep_details_with_commas_and_cover_the_addresses_between_their_ends()
    {
        var parsed = SndsParser.ParseIpStatus(Fixture("ipStatus.csv"));

        Assert.Empty(parsed.Bad);
        var blocked = Assert.Single(parsed.Rows, r => r.Blocked);
        Assert.Equal("Blocked due to user complaints or other evidence of spamming, see sender.office.com", blocked.Details);
        Assert.True(blocked.Covers(IPAddress.Parse("203.0.113.21")));
        Assert.True(blocked.Covers(IPAddress.Parse("203.0.113.23")));
        Assert.False(blocked.Covers(IPAddress.Parse("203.0.113.24")));
        Assert.False(blocked.Covers(IPAddress.Parse("203.0.113.3")));
        Assert.False(blocked.Covers(IPAddress.Parse("2001:db8::1")));
        Assert.False(parsed.Rows.Single(r => !r.Blocked).Blocked);
    }

    [Theory]
    [InlineData("<html><body>Please sign in</body></html>")]
    [InlineData("\r\n  <!DOCTYPE html><html><title>Error</title></html>")]
    public void An_html_page_instead_of_csv_is_an_error_that_says_the_key_is_probably_wrong(string page)
    {
        var data = Assert.Throws<SndsException>(() => SndsParser.ParseData(page));
        var status = Assert.Throws<SndsException>(() => SndsParser.ParseIpStatus(page));

        Assert.Contains("HTML page instead of CSV", data.Message);
        Assert.Contains("key", status.Message);
    }

    [Fact]
    public void An_empty_data_file_is_an_error_but_an_empty_status_file_means_nothing_is_blocked()
    {
        Assert.Contains("empty Data file", Assert.Throws<SndsException>(() => SndsParser.ParseData(" \r\n")).Message);
        Assert.Empty(SndsParser.ParseIpStatus("").Rows);
    }

    [Fact]
    public void Status_rows_with_bad_addresses_or_flags_are_bad_rows()
    {
        var parsed = SndsParser.ParseIpStatus("203.0.113.1,203.0.113.9,Maybe,x\r\nnot-an-ip,203.0.113.9,Yes,x\r\n203.0.113.1,2001:db8::1,Yes,x\r\n203.0.113.1\r\n203.0.113.5,203.0.113.5,Yes\r\n");

        Assert.Equal([1, 2, 3, 4], parsed.Bad.Select(b => b.Line));
        var ok = Assert.Single(parsed.Rows);
        Assert.Null(ok.Details);
    }
}
