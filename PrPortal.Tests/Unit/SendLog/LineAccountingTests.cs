using System.Text;
using PrPortal.Components.Shared;
using PrPortal.Data.Entities;
using PrPortal.Features.SendLog;
using PrPortal.Infrastructure.Files;

namespace PrPortal.Tests.Unit.SendLog;

/// <summary>Every line is a record, a known non-delivery line, or rejected with a reason; bad rows cost only themselves.</summary>
[Trait("Category", "Unit")]
public sealed class LineAccountingTests
{
    private static async Task<List<FileLine>> LinesAsync(string text, bool untilEnd, int max = 64 * 1024)
    {
        var reader = new LineReader(new MemoryStream(Encoding.UTF8.GetBytes(text)), 0, max);
        var lines = new List<FileLine>();
        await foreach (var line in reader.ReadAsync(untilEnd, default))
        {
            lines.Add(line);
        }
        return lines;
    }

    [Fact]
    public async Task Lines_end_at_their_newline_with_the_byte_offset_after_them_and_crlf_is_one_ending()
    {
        var lines = await LinesAsync("ab\r\ncdé\nhalf", untilEnd: false);

        Assert.Equal(["ab", "cdé"], lines.Select(l => l.Text));
        Assert.Equal([4L, 9L], lines.Select(l => l.EndOffset)); // é is two bytes
    }

    [Fact]
    public async Task A_finished_files_last_line_counts_without_a_newline_and_a_growing_ones_waits()
    {
        Assert.Equal("half", (await LinesAsync("a\nhalf", untilEnd: true))[^1].Text);
        Assert.Single(await LinesAsync("a\nhalf", untilEnd: false));
    }

    [Fact]
    public async Task A_line_over_the_limit_is_marked_too_long_and_the_next_line_is_whole()
    {
        var lines = await LinesAsync(new string('x', 5000) + "\nnext\n", untilEnd: false, max: 1000);

        Assert.True(lines[0].TooLong);
        Assert.Equal(300, lines[0].Text.Length); // the start kept for the rejection
        Assert.Equal(("next", false, 5006L), (lines[1].Text, lines[1].TooLong, lines[1].EndOffset));
    }

    [Fact]
    public void A_powermta_row_with_an_unterminated_quote_costs_only_itself()
    {
        var csv = "type,timeLogged,rcpt,dsnDiag,dlvSourceIp\n"
            + "b,2025-11-30 02:15:02+0900,a@outlook.jp,\"smtp;550 5.7.1 (S3150),203.0.113.10\n"
            + "d,2025-11-30 02:15:03+0900,b@gmail.com,\"smtp;250 2.0.0 OK, queued\",203.0.113.11\n";

        var outcomes = new PowerMtaCsvParser().ParseAll(new StringReader(csv)).ToList();

        Assert.Equal("unterminated quote: the row is not CSV", outcomes[0].Rejected!.Reason);
        var record = outcomes[1].Record!;
        Assert.Equal(("b@gmail.com", AttemptOutcome.Accepted, "203.0.113.11"), (record.Recipient, record.Outcome, record.SourceIp));
        Assert.Equal("250 2.0.0 OK, queued", record.ReplyText);
    }

    [Fact]
    public void A_postfix_delivery_line_cut_short_is_rejected_not_taken_for_a_connection_note()
    {
        var parser = new PostfixLogParser(new Dictionary<string, string>(), 2025, PortalTime.Tokyo);
        const string line = "Nov 30 02:15:02 mta01 postfix-ip01/smtp[1003]: 4A1B2C3D4E: to=<taro@outlook.jp>, relay=outlook-jp.olc.protection.outlook.com[104.47.1.1]:25, delay=1.2, dsn=5.7.1, status=bou";
        const string note = "Nov 30 02:15:02 mta01 postfix-ip01/smtp[1003]: 4A1B2C3D4E: lost connection with mx[104.47.1.1] while sending RCPT TO";

        Assert.Equal("delivery line cut short or malformed (no status and reply)", parser.Parse(1, line).Rejected!.Reason);
        var other = parser.Parse(2, note);
        Assert.Null(other.Record);
        Assert.Null(other.Rejected);
    }

    [Theory]
    [InlineData("Dec 31 23:59:00", 2026, 1, 1, 2025)] // read on New Year's Day: last year's line
    [InlineData("Jan  1 00:01:00", 2026, 1, 1, 2026)]
    [InlineData("Jun 15 12:00:00", 2026, 6, 16, 2026)]
    public void A_syslog_line_without_a_year_is_never_placed_in_the_future(string stamp, int year, int month, int day, int expectedYear)
    {
        var now = new DateTime(year, month, day, 3, 0, 0, DateTimeKind.Utc);
        var parser = new PostfixLogParser(new Dictionary<string, string> { ["postfix"] = "203.0.113.10" }, now.Year, PortalTime.Tokyo, now);

        var record = parser.Parse(1, $"{stamp} mta01 postfix/smtp[1]: 4A1B2C3D4E: to=<a@gmail.com>, relay=gmail-smtp-in.l.google.com[192.0.2.1]:25, delay=0.5, delays=0/0/0.2/0.3, dsn=2.0.0, status=sent (250 2.0.0 OK)").Record!;

        Assert.Equal(expectedYear, PortalTime.ToTokyo(record.AtUtc).Year);
    }
}
