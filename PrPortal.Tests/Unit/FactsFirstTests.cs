using PrPortal.Features.Bounces;

namespace PrPortal.Tests.Unit;

/// <summary>The reply's facts (enhanced status, command) decide first; the words refine within them; every result says why.</summary>
[Trait("Category", "Unit")]
public sealed class FactsFirstTests
{
    private static readonly ReplyClassifier Classifier = ReplyClassifier.BuiltIn();

    [Fact]
    public void Microsofts_authentication_level_refusal_is_the_customers_domain_not_the_ip()
    {
        var result = Classifier.ClassifyReply("550 5.7.515 Access denied, sending domain [news.customer.co.jp] doesn't meet the required authentication level. The sender's domain in the 5322.From address doesn't meet the authentication requirements defined for the sender.");

        Assert.Equal(("authfailure", false), (result.Reason, result.IpBlock));
        Assert.Equal("rule microsoft-5.7.515", result.Why);
    }

    [Fact]
    public void A_specific_status_at_a_named_command_says_so()
    {
        var result = Classifier.ClassifyReply("550 5.1.1 <taro@example.jp>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)");

        Assert.Equal("userunknown", result.Reason);
        Assert.Equal("status 5.1.1 at RCPT", result.Why);
    }

    [Theory]
    // 5.1.x is about the address: words about spam filters do not turn a missing mailbox into spam.
    [InlineData("550 5.1.1 Mailbox does not exist; our spam filter logged this attempt", "userunknown")]
    // 5.2.2 is a full mailbox, whatever else the text says.
    [InlineData("552 5.2.2 Over quota: the user account is not available", "mailboxfull")]
    // A broad content status is refined by what the words say, within content.
    [InlineData("554 5.6.0 Message rejected as spam by Content Filtering", "spamdetected")]
    [InlineData("554 5.6.0 Message contains a virus (Eicar-Test-Signature)", "virusdetected")]
    [InlineData("554 5.6.0 Invalid message content", "contenterror")]
    // Mailbox disabled: the words say whether the account was suspended.
    [InlineData("550 5.2.1 The email account that you tried to reach is disabled.", "suspend")]
    // What the codes mean (RFC 3463), with words that say nothing more.
    [InlineData("550 5.7.13 User account disabled", "suspend")]
    [InlineData("550 5.7.17 Mailbox owner has changed", "hasmoved")]
    [InlineData("452 4.5.3 Too many recipients", "toomanyrcpt")]
    [InlineData("550 5.7.20 No passing DKIM signature found", "authfailure")]
    public void The_status_subject_bounds_what_the_words_may_say(string reply, string reason)
    {
        var result = Classifier.ClassifyReply(reply);

        Assert.True(reason == result.Reason, $"{reply}: {result.Reason} ({result.Why})");
        Assert.False(result.IpBlock);
    }

    [Fact]
    public void Authentication_words_are_a_security_error_while_spf_and_dmarc_are_an_authentication_failure()
    {
        Assert.Equal("securityerror", Classifier.ClassifyReply("530 5.7.0 Authentication required").Reason);
        Assert.Equal("securityerror", Classifier.ClassifyReply("550 Sender is not authenticated: must authenticate first").Reason);
        Assert.Equal("authfailure", Classifier.ClassifyReply("550 5.7.1 Email rejected per DMARC policy for example.jp").Reason);
    }

    [Fact]
    public void Block_words_overrule_a_specific_status_only_when_they_name_the_ip_or_a_blocklist()
    {
        // Generic words about a blacklist do not make a missing mailbox an IP block...
        var unknown = Classifier.ClassifyReply("550 5.1.1 <taro@example.jp>: user unknown (see our blacklist policy)");
        Assert.Equal(("userunknown", false), (unknown.Reason, unknown.IpBlock));
        // ...a refusal that states the IP, or names a blocklist, does.
        var stated = Classifier.ClassifyReply("550 5.1.1 IP address blacklisted by recipient");
        Assert.Equal(("blocked", true), (stated.Reason, stated.IpBlock));
        var listed = Classifier.ClassifyReply("554 5.7.1 Service unavailable; Client host [203.0.113.10] blocked using zen.spamhaus.org");
        Assert.Equal(("blocked", true, "spamhaus"), (listed.Reason, listed.IpBlock, listed.List));
    }

    [Theory]
    [InlineData("554 宛先のメールアドレスが存在しません", "userunknown")]
    [InlineData("450 メールボックスの容量を超えています", "mailboxfull")]
    public void Japanese_notices_are_read_too(string reply, string reason) => Assert.Equal(reason, Classifier.ClassifyReply(reply).Reason);

    [Theory]
    // RFC 3463's mailbox subject: X.2.0 other (the mailbox refused it), X.2.2 full, X.2.3 over an administrative size limit.
    [InlineData("550 5.2.0 Message refused", "filtered")]
    [InlineData("450 4.2.0 <a@example.jp>: Recipient address rejected: Greylisted", "filtered")]
    [InlineData("552 5.2.2 Over quota", "mailboxfull")]
    [InlineData("552 5.2.3 Message length exceeds administrative limit", "exceedlimit")]
    public void The_mailbox_status_detail_says_which_mailbox_trouble(string reply, string reason)
    {
        var result = Classifier.ClassifyReply(reply);

        Assert.True(reason == result.Reason, $"{reply}: {result.Reason} ({result.Why})");
    }

    [Fact]
    public void A_450_says_only_that_the_mailbox_is_unavailable_for_now()
    {
        // RFC 5321: 450 is "mailbox unavailable" (busy, or held for policy), not a fault of the server's system.
        var result = Classifier.Classify("4.0.0", 450, "450 4.0.0 Temporary failure");

        Assert.Equal("onhold", result.Reason);
        Assert.Equal("systemerror", Classifier.ClassifyReply("451 4.3.0 Local error in processing").Reason);
    }

    [Theory]
    // Spectrum's (Charter's) documented AUP codes: 1310–1340 are connection and rate limits, 1010 a blocked IP.
    [InlineData("421 4.7.0 cmsmtp 192.0.2.9 Too many connections AUP#In-1340", "toomanyconn", false)]
    [InlineData("550 5.1.0 <a@example.com> sender rejected. AUP#In-1310", "toomanyconn", false)]
    [InlineData("554 5.7.1 esmtp ESMTP server not available AUP#I-1010", "blocked", true)]
    public void A_providers_documented_code_decides(string reply, string reason, bool ipBlock)
    {
        var result = Classifier.ClassifyReply(reply);

        Assert.True(reason == result.Reason && ipBlock == result.IpBlock, $"{reply}: {result.Reason} {result.IpBlock} ({result.Why})");
    }

    [Fact]
    public void Nothing_specific_is_undefined_and_says_why()
    {
        var result = Classifier.ClassifyReply("hello there");

        Assert.Equal("undefined", result.Reason);
        Assert.False(string.IsNullOrWhiteSpace(result.Why));
    }
    [Theory]
    // qmail names the command in words: refused at the greeting or HELO is the connecting host; at MAIL, the sender.
    // Postfix: "host … refused to talk to me" is the greeting.
    [InlineData("host mx.example.jp[192.0.2.9] refused to talk to me: 554 mx.example.jp", "blocked")]
    // A temporary trouble at the greeting or at MAIL is the server's own, not a block of us or our sender.
    [InlineData("421 4.3.2 Service shutting down, closing transmission channel (in reply to initial connection)", "notaccept")]
    [InlineData("451 4.3.0 Temporary system failure, try again later (in reply to MAIL FROM command)", "systemerror")]
    // A specific mailbox status is about the recipient even when the text names the connection.
    [InlineData("550 5.2.2 mailbox full (after initial connection)", "mailboxfull")]
    // RFC 7504: 556 and 521, the domain or host does not accept mail.
    [InlineData("556 Domain does not accept mail", "notaccept")]
    // An authentication demand worded with relaying is about authentication.
    [InlineData("550 5.7.1 Relaying denied: authentication required", "securityerror")]
    // A refusal naming virus or spam together is a spam finding, not a named virus.
    [InlineData("554 5.7.1 The message was rejected because it contains prohibited virus or spam content", "spamdetected")]
    public void The_command_and_the_reply_code_are_facts_too(string reply, string reason)
    {
        var result = Classifier.ClassifyReply(reply);

        Assert.True(reason == result.Reason, $"{reply}: {result.Reason} ({result.Why})");
    }

    [Theory]
    // qmail names the command in words: refused at the greeting or HELO is the connecting host; at MAIL, the sender.
    [InlineData("Connected to 192.0.2.112 but my name was rejected. Remote host said: 501 5.0.0 Invalid domain name", 501, "blocked")]
    [InlineData("Connected to 192.0.2.7 but greeting failed. Remote host said: 554 mx.example.jp ESMTP not accepting messages", 554, "blocked")]
    [InlineData("Connected to 192.0.2.7 but sender was rejected. Remote host said: 553 sorry, your envelope sender is in my badmailfrom list", 553, "rejected")]
    public void Qmail_says_the_command_in_words(string diagnostic, int code, string reason)
    {
        var result = Classifier.Classify(null, code, diagnostic);

        Assert.True(reason == result.Reason, $"{diagnostic}: {result.Reason} ({result.Why})");
    }

    [Fact]
    public void A_250_line_inside_a_transcript_is_not_a_delivery()
    {
        var result = Classifier.Classify("5.0.0", 554, "<<< 250 2.1.0 Sender ok\n<<< 554 5.0.0 Service unavailable");

        Assert.NotEqual("delivered", result.Reason);
    }
}
