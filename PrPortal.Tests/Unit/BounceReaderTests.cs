using System.Text;
using PrPortal.Features.Bounces;

namespace PrPortal.Tests.Unit;

/// <summary>Bounce shapes read from hand-written mails: what each recipient is called and why.</summary>
[Trait("Category", "Unit")]
public sealed class BounceReaderTests
{
    private static readonly BounceClassifier Classifier = new(ReplyClassifier.BuiltIn());

    private static IReadOnlyList<ClassifiedRecipient> Classify(string mail) =>
        BounceFile.Load(new MemoryStream(Encoding.UTF8.GetBytes(mail.ReplaceLineEndings("\r\n")))).SelectMany(Classifier.Classify).ToList();

    private static string Dsn(string recipient, string action, string status, string diagnostic, string subject = "Undelivered Mail Returned to Sender") => $"""
        From: MAILER-DAEMON@mx.example.net
        To: bounce+d1@bounce.prportal.example
        Subject: {subject}
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

        --b1
        Content-Type: text/plain

        Your message could not be delivered.

        --b1
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.example.net

        Final-Recipient: rfc822; {recipient}
        Action: {action}
        Status: {status}
        Diagnostic-Code: {diagnostic}

        --b1--
        """;

    [Fact]
    public void Every_bounce_in_an_mbox_file_is_read()
    {
        var mbox = "From MAILER-DAEMON  Thu Apr 29 23:34:45 2026\n"
            + Dsn("a@example.jp", "failed", "5.1.1", "smtp; 550 5.1.1 <a@example.jp>: User unknown")
            + "\n\nFrom MAILER-DAEMON  Thu Apr 29 23:35:45 2026\n"
            + Dsn("b@example.jp", "failed", "5.2.2", "smtp; 552 5.2.2 Mailbox full");

        var recipients = Classify(mbox);

        Assert.Equal(["a@example.jp", "b@example.jp"], recipients.Select(r => r.Recipient.Recipient));
        Assert.Equal(["userunknown", "mailboxfull"], recipients.Select(r => r.Classification.Reason));
    }

    [Fact]
    public void A_local_program_failing_is_a_mailer_error()
    {
        var recipient = Assert.Single(Classify(Dsn("a@example.jp", "failed", "5.3.0", "X-Unix; 71")));

        Assert.Equal("mailererror", recipient.Classification.Reason);
    }

    [Fact]
    public void A_warning_that_mail_is_still_queued_is_an_expiry()
    {
        var recipient = Assert.Single(Classify(Dsn("a@example.jp", "delayed", "4.4.7", "smtp; 421 4.4.7 Service not available",
            subject: "Warning: could not send message for past 4 hours")));

        Assert.Equal("expired", recipient.Classification.Reason);
        Assert.False(recipient.Classification.IpBlock);
    }

    [Fact]
    public void A_feedback_report_names_each_recipient_it_reports()
    {
        var mail = """
            From: abuse@fbl.example.org
            To: fbl@prportal.example
            Subject: Abuse report
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=feedback-report; boundary="f1"

            --f1
            Content-Type: text/plain

            A complaint.

            --f1
            Content-Type: message/feedback-report

            Feedback-Type: abuse
            User-Agent: fbl/1.0
            Version: 1
            Original-Rcpt-To: one@example.com
            Original-Rcpt-To: two@example.net

            --f1--
            """;

        var recipients = Classify(mail);

        Assert.Equal(["one@example.com", "two@example.net"], recipients.Select(r => r.Recipient.Recipient));
        Assert.All(recipients, r => Assert.Equal("feedback", r.Classification.Reason));
    }

    [Fact]
    public void An_unsubscribe_reply_is_the_recipients_feedback()
    {
        var mail = """
            From: reader@example.com
            To: unsubscribe+d7@bounce.prportal.example
            Subject: unsubscribe
            Content-Type: text/plain

            unsubscribe
            """;

        var recipient = Assert.Single(Classify(mail));

        Assert.Equal("reader@example.com", recipient.Recipient.Recipient);
        Assert.Equal("feedback", recipient.Classification.Reason);
    }

    [Fact]
    public void A_plain_notice_without_a_command_saying_no_such_user_comes_from_a_filter_but_an_mtas_own_words_stand()
    {
        static string Notice(string said) => $"""
            From: MAILER-DAEMON@gw.example.jp
            To: bounce+d1@bounce.prportal.example
            Subject: Returned Mail
            Content-Type: text/plain

            ---The following addresses had delivery errors---
            kijitora@example.jp {said}
            """;

        Assert.Equal("filtered", Assert.Single(Classify(Notice("[No such user]"))).Classification.Reason);
        Assert.Equal("userunknown", Assert.Single(Classify(Notice("(reason: 550 No such user, in reply to RCPT TO command)"))).Classification.Reason);
        Assert.Equal("userunknown", Assert.Single(Classify(Notice("\n\nInvalid final delivery userid: kijitora@example.jp"))).Classification.Reason);
    }

    [Fact]
    public void An_html_notice_is_read_without_its_style_sheet()
    {
        var mail = """
            From: MAILER-DAEMON@mx.example.com
            To: bounce+d1@bounce.prportal.example
            Subject: Delivery Status Notification (Failure)
            Content-Type: text/html

            <html><head><style>@media screen { .x { font-family: 'Open Sans'; } } body { content: "message rejected"; }</style></head>
            <body><p>Delivery to <b>kijitora@example.com</b> failed.</p><p>550 5.2.2 The recipient's mailbox is full</p></body></html>
            """;

        var recipient = Assert.Single(Classify(mail));

        Assert.Equal("kijitora@example.com", recipient.Recipient.Recipient);
        Assert.Equal("mailboxfull", recipient.Classification.Reason);
    }

    [Fact]
    public void A_bounce_forwarded_by_a_person_is_read_from_its_quoted_lines()
    {
        var mail = """
            From: Hanako <hanako@example.jp>
            To: support@prportal.example
            Subject: Fwd: Returned mail: see transcript for details
            Content-Type: text/plain; charset=utf-8

            Could you look at this?

            Begin forwarded message:

            > From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.jp>
            > Subject: Returned mail: see transcript for details
            > To: <hanako@example.jp>
            >
            >    ----- Transcript of session follows -----
            > ... while talking to mx.example.com.:
            >>>> RCPT To:<taro@example.com>
            > <<< 552 5.2.2 <taro@example.com>... Mailbox full
            >
            > Final-Recipient: RFC822; taro@example.com
            > Action: failed
            > Status: 5.2.2
            > Diagnostic-Code: SMTP; 552 5.2.2 <taro@example.com>... Mailbox full
            """;

        var recipient = Assert.Single(Classify(mail));

        Assert.Equal("taro@example.com", recipient.Recipient.Recipient);
        Assert.Equal("failed", recipient.Recipient.Action); // the quoted DSN's own fields, not a guess from the words
        Assert.Equal("mailboxfull", recipient.Classification.Reason);
    }

    [Fact]
    public void Words_no_rule_decides_are_onhold_and_a_report_without_any_recipient_is_undefined()
    {
        var words = """
            From: postmaster@gw.example.jp
            To: bounce+d1@bounce.prportal.example
            Subject: Undeliverable message
            Content-Type: text/plain

            ------- Failure Reasons --------
            The gateway has set this message aside
            kijitora@example.jp
            """;
        var nothing = """
            From: MAILER-DAEMON@mx.example.net
            To: bounce+d1@bounce.prportal.example
            Subject: Undelivered Mail Returned to Sender
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

            --b1
            Content-Type: text/plain

            This is the mail system at host mx.example.net.

            --- Delivery report unavailable ---

            --b1
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.example.net

            --b1
            Content-Type: message/rfc822

            From: release@mail.prportal.example
            To: kijitora@example.com
            Subject: A release

            Hello
            --b1--
            """;

        var onhold = Assert.Single(Classify(words));
        var undefined = Assert.Single(Classify(nothing));

        Assert.Equal("onhold", onhold.Classification.Reason);
        Assert.Contains("onhold", onhold.Classification.Why);
        Assert.Equal("kijitora@example.com", undefined.Recipient.Recipient);
        Assert.Equal("undefined", undefined.Classification.Reason);
    }

    [Fact]
    public void A_pipe_recipients_command_line_and_the_pasted_dsn_fields_are_not_what_the_server_said()
    {
        // Sendmail delivering to a program: the command line names procmail; the failure is the service's.
        var mail = """
            From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.edu>
            To: bounce+d1@bounce.prportal.example
            Subject: Returned mail: Service unavailable
            Content-Type: text/plain

               ----- The following addresses had permanent fatal errors -----
            "|exec /usr/bin/procmail -f- || exit 75 #taro"
                (expanded from: <taro@example.edu>)

               ----- Transcript of session follows -----
            550 5.3.0 "|exec /usr/bin/procmail -f- || exit 75 #taro"... Service unavailable, taro@example.edu
            """;

        var recipient = Assert.Single(Classify(mail));

        Assert.Equal("systemerror", recipient.Classification.Reason);
    }

    [Fact]
    public void A_report_whose_boundary_never_comes_is_read_once_from_its_text_with_the_transcripts_reply()
    {
        // multipart/report without a single boundary line: MimeKit sees it all as the preamble. Its one
        // recipient has no diagnostic of its own: the session transcript's reply is what the server said.
        var mail = """
            From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.edu>
            To: bounce+d1@bounce.prportal.example
            Subject: Returned mail: Service unavailable
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="never.seen"

               ----- The following addresses had permanent fatal errors -----
            <taro@example.edu>

               ----- Transcript of session follows -----
            554 5.3.0 <taro@example.edu>... Service unavailable

            Reporting-MTA: dns; mx.example.edu

            Final-Recipient: RFC822; hanako@example.edu
            Action: failed
            Status: 5.5.0
            """;

        var recipient = Assert.Single(Classify(mail));

        Assert.Equal("hanako@example.edu", recipient.Recipient.Recipient);
        Assert.Equal("systemerror", recipient.Classification.Reason);
    }

    [Fact]
    public void An_ses_notification_names_only_the_recipients_in_its_json()
    {
        // SNS envelope: the notification is a JSON string in "Message", folded at line length; the sender,
        // the source ARN and the unsubscribe URL all hold addresses that are not recipients.
        var inner = """{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"taro@example.jp","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"},{"emailAddress":"hanako@example.jp","action":"failed","status":"5.2.2","diagnosticCode":"smtp; 552 5.2.2 Mailbox full"}]},"mail":{"source":"news@sender.example","sourceArn":"arn:aws:ses:us-west-2:123456789012:identity/news@sender.example","destination":["taro@example.jp","hanako@example.jp"]}}""";
        var escaped = inner.Replace("\"", "\\\"");
        var folded = string.Join("\n ", escaped.Chunk(120).Select(c => new string(c)));
        var mail = $$"""
            From: no-reply@sns.amazonaws.com
            To: bounce+d1@bounce.prportal.example
            Subject: AWS Notification Message
            Content-Type: text/plain; charset=UTF-8

            {
              "Type" : "Notification",
              "Message" : "{{folded}}",
              "UnsubscribeURL" : "https://sns.example/?Action=Unsubscribe&Endpoint=news@sender.example"
            }
            """;

        var recipients = Classify(mail);

        Assert.Equal(["taro@example.jp", "hanako@example.jp"], recipients.Select(r => r.Recipient.Recipient));
        Assert.Equal(["userunknown", "mailboxfull"], recipients.Select(r => r.Classification.Reason));
    }

    [Fact]
    public void An_ses_complaint_and_delivery_are_feedback_and_delivered_for_the_named_recipients()
    {
        static string Mail(string json) => $"""
            From: no-reply@sns.amazonaws.com
            To: bounce+d1@bounce.prportal.example
            Subject: AWS Notification Message
            Content-Type: text/plain; charset=UTF-8

            {json}
            """;

        var complaint = Assert.Single(Classify(Mail("""{"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"taro@example.jp"}]},"mail":{"source":"news@sender.example"}}""")));
        var delivery = Assert.Single(Classify(Mail("""{"notificationType":"Delivery","delivery":{"recipients":["hanako@example.jp"],"smtpResponse":"250 2.6.0 Message received"},"mail":{"source":"news@sender.example"}}""")));

        Assert.Equal(("taro@example.jp", "feedback"), (complaint.Recipient.Recipient, complaint.Classification.Reason));
        Assert.Equal(("hanako@example.jp", "delivered"), (delivery.Recipient.Recipient, delivery.Classification.Reason));
    }

    [Fact]
    public void A_returned_header_block_an_alias_and_a_delivery_file_name_no_recipient()
    {
        // Exim: the failed address, the alias it came from, a file delivery; then the original's headers pasted
        // without a marker (its Message-ID and Received lines hold addresses too).
        var mail = """
            From: Mail Delivery System <Mailer-Daemon@mx.example.net>
            To: bounce+d1@bounce.prportal.example
            Subject: Mail delivery failed: returning message to sender
            Content-Type: text/plain

            This message was created automatically by mail delivery software.

            A message that you sent could not be delivered to one or more of its
            recipients. This is a permanent error. The following address(es) failed:

              taro@example.net
                (generated from info@example.org)
                SMTP error from remote mail server after RCPT TO:<taro@example.net>:
                host mx.example.net [192.0.2.1]: 550 5.1.1 <taro@example.net>: Recipient address rejected: User unknown
              /home/taro/mbox/taro@example.net
                (ultimately generated from info@example.org)
                mailbox is full (MTA-imposed quota exceeded while writing to file /home/taro/mbox)

            Received: from sender.example by mx.example.net
            	for taro@example.net; Mon, 1 Dec 2026 10:00:00 +0900
            Message-ID: <20261201100000.ABC123@sender.example>
            Subject: Press release
            """;

        var recipient = Assert.Single(Classify(mail));

        Assert.Equal("taro@example.net", recipient.Recipient.Recipient);
        Assert.Equal("userunknown", recipient.Classification.Reason);
    }

    [Fact]
    public void Each_recipient_of_a_plain_notice_listing_several_is_read_from_its_own_lines()
    {
        // Exim and qmail list every failed address with its own reply, some without any code: the first
        // recipient's 5.1.1 is not the others'.
        var exim = """
            From: Mail Delivery System <Mailer-Daemon@mx.example.net>
            To: bounce@prportal.example
            Subject: Mail delivery failed: returning message to sender
            Content-Type: text/plain

            This message was created automatically by mail delivery software.

            A message that you sent could not be delivered to one or more of its
            recipients. This is a permanent error. The following address(es) failed:

              taro@example.jp
                SMTP error from remote mail server after RCPT TO:<taro@example.jp>:
                host mx.example.jp [192.0.2.1]: 550 5.1.1 <taro@example.jp>: Recipient address rejected: User unknown in local recipient table
              hanako@example.org
                SMTP error from remote mail server after RCPT TO:<hanako@example.org>:
                host mx.example.org [192.0.2.2]: 452 4.2.2 Mailbox full
              jiro@example.com
                all relevant MX records point to non-existent hosts
              saburo@example.net
                retry timeout exceeded

            ------ This is a copy of the message, including all the headers. ------
            Return-path: <bounce@prportal.example>
            """;
        var qmail = """
            From: MAILER-DAEMON@qmail.example.net
            To: bounce@prportal.example
            Subject: failure notice
            Content-Type: text/plain

            Hi. This is the qmail-send program at qmail.example.net.
            I'm afraid I wasn't able to deliver your message to the following addresses.
            This is a permanent error; I've given up. Sorry it didn't work out.

            <taro@example.jp>:
            192.0.2.1 does not like recipient.
            Remote host said: 550 5.1.1 <taro@example.jp>... User Unknown
            Giving up on 192.0.2.1.

            <hanako@example.org>:
            Sorry, I couldn't find any host named example.org. (#5.1.2)

            <jiro@example.com>:
            Connected to 192.0.2.3 but greeting failed.
            Remote host said: 554 5.7.1 Your IP 192.0.2.9 is listed in bl.example.net
            Giving up on 192.0.2.3.

            --- Below this line is a copy of the message.
            """;

        var fromExim = Classify(exim);
        var fromQmail = Classify(qmail);

        Assert.Equal(["taro@example.jp", "hanako@example.org", "jiro@example.com", "saburo@example.net"], fromExim.Select(r => r.Recipient.Recipient));
        Assert.Equal(["userunknown", "mailboxfull", "hostunknown", "expired"], fromExim.Select(r => r.Classification.Reason));
        Assert.Equal(["userunknown", "hostunknown", "blocked"], fromQmail.Select(r => r.Classification.Reason));
        Assert.True(fromQmail[2].Classification.IpBlock);
    }

    [Fact]
    public void A_statement_just_above_the_one_address_is_the_reporting_systems_reading_of_it()
    {
        // A carrier's notice states the recipient's state in its own sentence above the address; the remote
        // server's bare "550 user unknown" below it is how that state was refused.
        var mail = """
            From: Mail Administrator <Postmaster@carrier.example.jp>
            To: bounce+d1@bounce.prportal.example
            Subject: Mail System Error - Returned Mail
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

            --b1
            Content-Type: text/plain

            The user(s) account is disabled.

            <taro@carrier.example.jp>: 550 user unknown (in reply to RCPT TO command)

            --b1
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.carrier.example.jp

            Final-Recipient: rfc822; taro@carrier.example.jp
            Action: failed
            Status: 5.0.0

            --b1--
            """;

        var recipient = Assert.Single(Classify(mail));

        Assert.Equal("suspend", recipient.Classification.Reason);
        // Without the statement the same reply is an unknown user.
        Assert.Equal("userunknown", Assert.Single(Classify(mail.Replace("The user(s) account is disabled.", "----- Transcript -----"))).Classification.Reason);
    }

    [Theory]
    [InlineData("smtp; 550 <taro@example.jp>: User unknown", "userunknown")]
    [InlineData("smtp; 550 5.1.1 The email account that you tried to reach does not exist.", "userunknown")]
    [InlineData("The email account that you tried to reach does not exist.", "filtered")]
    public void No_such_user_in_a_reports_own_words_without_a_reply_code_is_a_filter(string diagnostic, string reason)
    {
        // A remote server's refusal comes with its reply code (and a 5.1.1 says the mailbox is unknown); the same
        // words with neither are the reporting gateway's own sentence.
        var recipient = Assert.Single(Classify(Dsn("taro@example.jp", "failed", "5.0.0", diagnostic)));

        Assert.Equal(reason, recipient.Classification.Reason);
    }

    [Fact]
    public void The_transcripts_refused_command_is_the_one_recipients_even_when_its_reply_names_nobody()
    {
        // Sendmail: the reply to DATA does not repeat the address; refused after the content, "user unknown" is a filter.
        var mail = """
            From: Mail Delivery Subsystem <MAILER-DAEMON@mta.example.org>
            To: bounce+d1@bounce.prportal.example
            Subject: Returned mail: see transcript for details
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

            --b1
            Content-Type: text/plain

               ----- Transcript of session follows -----
            ... while talking to mx.carrier.example.jp.:
            >>> DATA
            <<< 550 User unknown
            554 5.0.0 Service unavailable

            --b1
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mta.example.org

            Final-Recipient: RFC822; taro@carrier.example.jp
            Action: failed
            Status: 5.0.0
            Diagnostic-Code: SMTP; 550 User unknown

            --b1--
            """;

        var recipient = Assert.Single(Classify(mail));

        Assert.Equal("filtered", recipient.Classification.Reason);
        Assert.Contains("DATA", recipient.Classification.Why);
    }

    [Fact]
    public void A_report_writing_its_recipient_into_the_per_message_block_names_only_that_recipient()
    {
        // No blank line between the per-message and the recipient's fields; the readable part mentions another address.
        var mail = """
            From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>
            To: bounce+d1@bounce.prportal.example
            Subject: Undeliverable: Press release
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

            --b1
            Content-Type: text/plain

            Your message could not be delivered. Questions? Write to help@example.net.

            --b1
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.example.net
            Arrival-Date: Mon, 1 Dec 2026 10:00:00 +0900
            Final-Recipient: rfc822; taro@example.jp
            Action: failed
            Status: 5.1.1
            Diagnostic-Code: smtp; 550 5.1.1 <taro@example.jp>... User Unknown

            --b1--
            """;

        var recipient = Assert.Single(Classify(mail));

        Assert.Equal(("taro@example.jp", "userunknown"), (recipient.Recipient.Recipient, recipient.Classification.Reason));
    }
}
