using System.Text;
using Microsoft.Extensions.Configuration;
using PrPortal.Features.Bounces;
using PrPortal.Hosting;

namespace PrPortal.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class ReplyClassifierTests
{
    private static readonly ReplyClassifier Classifier = ReplyClassifier.BuiltIn();

    [Theory]
    [InlineData("550 5.7.1 Unfortunately, messages from [203.0.113.10] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.", "blocked", "microsoft")]
    [InlineData("550 5.7.606 Access denied, banned sending IP [203.0.113.10]. To request removal from this list please visit https://sender.office.com/ and follow the directions. (AS16012609)", "blocked", "microsoft")]
    [InlineData("421 4.7.0 [TSS04] Messages from 203.0.113.10 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes", "badreputation", "yahoo")]
    [InlineData("421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from\n421-4.7.28 your IP address [203.0.113.10]. To protect our users from spam, mail sent from your IP\n421 4.7.28 address has been temporarily rate limited.", "blocked", "google")]
    [InlineData("550-5.7.1 Our system has detected that this message is likely suspicious due to the very low reputation of the sending IP address.", "badreputation", "google")]
    [InlineData("554 5.7.1 Service unavailable; Client host [203.0.113.10] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.10", "blocked", "spamhaus")]
    [InlineData("554 Service unavailable; Client host [203.0.113.10] blocked using b.barracudacentral.org", "blocked", "barracuda")]
    [InlineData("550 5.7.25 [203.0.113.10] The IP address sending this message does not have a PTR record setup", "requireptr", null)]
    public void Replies_naming_the_sending_ip_are_ip_blocks(string reply, string reason, string? list)
    {
        var result = Classifier.ClassifyReply(reply);

        Assert.Equal(reason, result.Reason);
        Assert.True(result.IpBlock);
        Assert.Equal(list, result.List);
    }

    [Theory]
    [InlineData("550-5.1.1 The email account that you tried to reach does not exist. Please try\n550 5.1.1 double-checking the recipient's email address", "userunknown")]
    [InlineData("550 5.1.1 <x@example.jp>: Recipient address rejected: User unknown in virtual mailbox table", "userunknown")]
    [InlineData("552 5.2.2 Mailbox full", "mailboxfull")]
    [InlineData("550 5.1.2 Host unknown", "hostunknown")]
    [InlineData("554 5.7.1 <x@example.jp>: Relay access denied", "norelaying")]
    [InlineData("550 5.7.26 This mail is unauthenticated, which poses a security risk to the sender and Gmail users", "authfailure")]
    [InlineData("552 5.3.4 Message size exceeds fixed limit", "mesgtoobig")]
    [InlineData("421 4.7.0 Too many concurrent SMTP connections from this IP address; please try again later", "toomanyconn")]
    [InlineData("550-5.7.1 Our system has detected that this message is likely suspicious due to the very low reputation of the sending domain.", "badreputation")]
    [InlineData("550 5.7.1 Blocked by policy: the From domain has a DMARC reject policy", "authfailure")]
    [InlineData("554 5.7.1 Your message has been blocked because it contains a blocklisted domain", "spamdetected")]
    [InlineData("550 5.7.1 Sender address is listed in our block list", "rejected")]
    [InlineData("550 5.7.1 Your message was blocked by the recipient's block list", "filtered")]
    [InlineData("User taro (taro@example.jp) not listed in Domino Directory", "userunknown")]
    public void Replies_about_the_recipient_or_the_message_are_not_ip_blocks(string reply, string reason)
    {
        var result = Classifier.ClassifyReply(reply);

        Assert.Equal(reason, result.Reason);
        Assert.False(result.IpBlock);
    }

    [Fact]
    public void An_empty_or_unreadable_reply_is_undefined()
    {
        Assert.Equal("undefined", Classifier.ClassifyReply("").Reason);
        Assert.Equal("undefined", Classifier.ClassifyReply("something odd happened").Reason);
    }

    [Fact]
    public void Staff_rules_from_the_override_file_come_first()
    {
        var overrides = RuleSet.Parse(new MemoryStream(Encoding.UTF8.GetBytes("""
            { "first": [ { "name": "local-carrier-blk", "reason": "blocked", "ip_block": true, "list": "local-carrier", "match": ["MX-BLK-\\d+"] } ] }
            """)));
        var classifier = new ReplyClassifier(ReplyClassifier.BuiltInRules(), overrides);

        var result = classifier.ClassifyReply("550 5.1.1 MX-BLK-042 rejected");

        Assert.Equal(new Classification("blocked", true, "local-carrier") { Why = "rule local-carrier-blk" }, result);
        Assert.Equal("userunknown", Classifier.ClassifyReply("550 5.1.1 MX-BLK-042 rejected").Reason);
    }

    [Fact]
    public void A_broken_override_file_stops_start_up_naming_the_key()
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, """{ "first": [ { "reason": "blocked", "match": ["(unclosed"] } ] }""");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("Bounces:RulesFile", file)]).Build();

        var error = Assert.Throws<StartupException>(() => BounceRules.Load(configuration, "/"));

        Assert.Contains("'Bounces:RulesFile'", error.Message);
        Assert.Contains("(unclosed", error.Message);
        File.Delete(file);
    }
}
