using PrPortal.Components.Shared;
using PrPortal.Data.Entities;
using PrPortal.Features.SendLog;

namespace PrPortal.Tests.Unit.SendLog;

[Trait("Category", "Unit")]
public sealed class SendLogParserTests
{
    private static readonly Dictionary<string, string> Transports = new() { ["postfix-ip01"] = "203.0.113.10", ["postfix-ip02"] = "203.0.113.11" };

    private static List<ParseOutcome> Postfix(string log) =>
        new PostfixLogParser(Transports, 2025, PortalTime.Tokyo).ParseAll(new StringReader(log)).ToList();

    [Fact]
    public void A_blocked_bounce_is_joined_with_its_sender_and_message_id_by_queue_id()
    {
        var outcomes = Postfix("""
            Nov 30 02:15:01 mta01 postfix-ip01/cleanup[1001]: 4A1B2C3D4E: message-id=<d42.abc@mail.prportal.example>
            Nov 30 02:15:01 mta01 postfix-ip01/qmgr[1002]: 4A1B2C3D4E: from=<bounce+d42@bounce.prportal.example>, size=2048, nrcpt=1 (queue active)
            Nov 30 02:15:02 mta01 postfix-ip01/smtp[1003]: 4A1B2C3D4E: to=<taro@outlook.jp>, relay=outlook-jp.olc.protection.outlook.com[104.47.1.1]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=5.7.1, status=bounced (host outlook-jp.olc.protection.outlook.com[104.47.1.1] said: 550 5.7.1 Unfortunately, messages from [203.0.113.10] weren't sent. (S3150) (in reply to MAIL FROM command))
            Nov 30 02:15:02 mta01 postfix-ip01/qmgr[1002]: 4A1B2C3D4E: removed
            """);

        var record = Assert.Single(outcomes, o => o.Record is not null).Record!;
        Assert.Equal(new DateTime(2025, 11, 29, 17, 15, 2, DateTimeKind.Utc), record.AtUtc); // 02:15 JST
        Assert.Equal("taro@outlook.jp", record.Recipient);
        Assert.Equal("203.0.113.10", record.SourceIp);
        Assert.Equal("outlook-jp.olc.protection.outlook.com", record.RelayHost);
        Assert.Equal("bounce+d42@bounce.prportal.example", record.EnvelopeFrom);
        Assert.Equal("d42.abc@mail.prportal.example", record.MessageId);
        Assert.Equal(550, record.ReplyCode);
        Assert.Equal("5.7.1", record.EnhancedStatus);
        Assert.StartsWith("550 5.7.1 Unfortunately, messages from [203.0.113.10]", record.ReplyText);
        Assert.Equal(AttemptOutcome.Rejected, record.Outcome);
        Assert.DoesNotContain(outcomes, o => o.Rejected is not null);
    }

    [Fact]
    public void Sent_deferred_and_unreachable_lines_get_their_outcomes()
    {
        var outcomes = Postfix("""
            2025-11-30T02:15:03.123456+09:00 mta02 postfix-ip02/smtp[1]: 5B2C3D4E5F: to=<a@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.1.1]:25, delay=0.5, delays=0/0/0.2/0.3, dsn=2.0.0, status=sent (250 2.0.0 OK  1764460800 x1si2 - gsmtp)
            Nov 30 02:15:04 mta02 postfix-ip02/smtp[1]: 6C3D4E5F6A: to=<b@yahoo.co.jp>, relay=mx1.mail.yahoo.co.jp[183.79.1.1]:25, delay=1, delays=0/0/1/0, dsn=4.7.0, status=deferred (host mx1.mail.yahoo.co.jp[183.79.1.1] refused to talk to me: 421 4.7.0 [TSS04] Messages from 203.0.113.11 temporarily deferred)
            Nov 30 02:15:05 mta02 postfix-ip02/smtp[1]: 7D4E5F6A7B: to=<c@dead.example.jp>, relay=none, delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to mx.dead.example.jp[192.0.2.9]:25: Connection timed out)
            Nov 30 02:15:06 mta03 postfix-ip09/smtp[1]: 8E5F6A7B8C: to=<d@icloud.com>, relay=mx01.mail.icloud.com[17.57.1.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok)
            """).Select(o => o.Record!).ToList();

        Assert.Equal(AttemptOutcome.Accepted, outcomes[0].Outcome);
        Assert.Equal(new DateTime(2025, 11, 29, 17, 15, 3, 123, DateTimeKind.Utc).AddTicks(4560), outcomes[0].AtUtc);
        Assert.Equal(AttemptOutcome.Deferred, outcomes[1].Outcome);
        Assert.StartsWith("421 4.7.0 [TSS04]", outcomes[1].ReplyText);
        Assert.Equal(AttemptOutcome.Error, outcomes[2].Outcome);
        Assert.Null(outcomes[2].ReplyText);
        Assert.Contains("Connection timed out", outcomes[2].Error);
        Assert.Null(outcomes[3].SourceIp); // a transport not in the map: counted, but with no known IP
    }

    [Fact]
    public void Garbage_and_binary_lines_are_rejected_with_a_reason_and_the_rest_read()
    {
        var outcomes = Postfix("this is not a log line\n\u0001\u0002binary\nNov 30 02:15:02 mta01 postfix-ip01/smtp[1]: 4A1B2C3D4E: to=<x@gmail.com>, relay=gmail-smtp-in.l.google.com[1.1.1.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\nNov 30 99:99:99 mta01 postfix-ip01/smtp[1]: 4A1B2C3D4F: to=<y@gmail.com>, relay=none, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n");

        Assert.Single(outcomes, o => o.Record is not null);
        Assert.Equal(["not a Postfix log line", "not text (binary or wrongly encoded)", "unreadable timestamp"], outcomes.Where(o => o.Rejected is not null).Select(o => o.Rejected!.Reason));
    }

    [Fact]
    public void PowerMta_csv_is_read_by_header_whatever_the_column_order()
    {
        var csv = "rcpt,type,dsnDiag,timeLogged,dlvSourceIp,dsnStatus,orig,vmta\n"
            + "taro@outlook.jp,b,\"smtp;550 5.7.1 Unfortunately, messages from [203.0.113.10] weren't sent. (S3150)\",2025-11-30 02:15:02+0900,203.0.113.10,5.7.1 (undefined status),bounce+d7@bounce.prportal.example,vmta01\n"
            + "hanako@gmail.com,d,smtp;250 2.0.0 OK,2025-11-30 02:15:03+0900,203.0.113.11,2.0.0,bounce+d8@bounce.prportal.example,vmta02\n"
            + "x@example.jp,f,,2025-11-30 02:15:04+0900,,,,\n"
            + "bad@example.jp,b,smtp;550 x,not a time,203.0.113.10,5.0.0,,\n";

        var outcomes = new PowerMtaCsvParser().ParseAll(new StringReader(csv)).ToList();
        var records = outcomes.Where(o => o.Record is not null).Select(o => o.Record!).ToList();

        Assert.Equal(2, records.Count);
        Assert.Equal(AttemptOutcome.Rejected, records[0].Outcome);
        Assert.Equal(550, records[0].ReplyCode);
        Assert.Equal("5.7.1", records[0].EnhancedStatus);
        Assert.Equal("203.0.113.10", records[0].SourceIp);
        Assert.Equal(new DateTime(2025, 11, 29, 17, 15, 2, DateTimeKind.Utc), records[0].AtUtc);
        Assert.Equal(AttemptOutcome.Accepted, records[1].Outcome);
        Assert.Contains("unreadable timeLogged", Assert.Single(outcomes, o => o.Rejected is not null).Rejected!.Reason);
    }

    [Fact]
    public void PowerMta_csv_without_a_required_column_is_refused_naming_it()
    {
        var outcomes = new PowerMtaCsvParser().ParseAll(new StringReader("type,rcpt,dsnDiag\nb,a@b.jp,smtp;550 x\n")).ToList();

        // The header is refused naming the column, and the row under it is counted as not read, not lost.
        Assert.Equal("header lacks required column(s): timeLogged", outcomes[0].Rejected!.Reason);
        Assert.Equal("not read: header lacks required column(s): timeLogged", outcomes[1].Rejected!.Reason);
        Assert.Equal(2, outcomes.Count);
    }

    [Fact]
    public void Json_lines_reject_what_is_not_a_delivery_record()
    {
        var outcomes = new JsonLinesLogParser().ParseAll(new StringReader("""
            {"at":"2025-11-29T17:15:02Z","delivery_id":5,"recipient":"a@outlook.jp","source_ip":"203.0.113.10","reply_code":550,"status":"5.7.1","reply":"550 5.7.1 (S3150)","outcome":"rejected"}
            {"at":"2025-11-29T17:15:02Z","recipient":"b@gmail.com","outcome":"exploded"}
            {not json
            """)).ToList();

        var record = Assert.Single(outcomes, o => o.Record is not null).Record!;
        Assert.Equal("bounce+d5@", record.EnvelopeFrom);
        Assert.Equal(AttemptOutcome.Rejected, record.Outcome);
        Assert.Equal(2, outcomes.Count(o => o.Rejected is not null));
    }
}
