using System.Text.RegularExpressions;
using MimeKit;

namespace PrPortal.Features.Bounces;

/// <summary>A bounce recipient with its meaning.</summary>
public sealed record ClassifiedRecipient(BounceRecipient Recipient, Classification Classification);

/// <summary>Reads a bounce and classifies each recipient: the DSN action and report kind first, then the reply.</summary>
public sealed partial class BounceClassifier(ReplyClassifier replies)
{
    public IReadOnlyList<ClassifiedRecipient> Classify(MimeMessage message)
    {
        var report = BounceReader.Read(message);
        return report.Recipients.Select(r => new ClassifiedRecipient(r, Undecided(r, report.Kind switch
        {
            BounceReport.Feedback => new Classification("feedback", false, null) { Why = "a feedback report (ARF)" },
            BounceReport.AutoReply => new Classification("vacation", false, null) { Why = "an automatic reply" },
            _ when r.Action is "delivered" or "relayed" or "expanded" => new Classification("delivered", false, null) { Why = $"DSN action {r.Action}" },
            // An X-Unix diagnostic is a local delivery program's exit (a pipe, procmail): the mailer failed.
            _ when r.DiagnosticType == "x-unix" => LocalProgram(replies.Classify(r.Status, r.ReplyCode, r.Diagnostic)),
            _ => Filtered(report, r, Expire(message, r, replies.Classify(r.Status, r.ReplyCode, r.Diagnostic))),
        }))).ToList();
    }

    // Sisimai's two words for "no reason found": onhold when the notice says something about the recipient
    // that no rule can decide, undefined only when it says nothing at all about them.
    // A Postfix diagnostic that is not an SMTP reply (X-Postfix) and says nothing a rule knows is Postfix's
    // own delivery agent failing: a mailer error.
    private static Classification Undecided(BounceRecipient r, Classification found) =>
        found.Reason == "undefined" && r.DiagnosticType == "x-postfix"
            ? new Classification("mailererror", false, null) { Why = $"{found.Why}; diagnostic type X-Postfix: Postfix's own delivery agent failed" }
        : found.Reason == "undefined" && !r.Unreported && !string.IsNullOrWhiteSpace(r.Diagnostic)
            ? new Classification("onhold", false, null) { Why = $"{found.Why}: the notice's words about it decide nothing (onhold)" }
            : found;

    // An X-Unix diagnostic is a local delivery program's exit: the mailer failed, unless what it says is
    // the mailbox's own state (a full or missing mailbox, as mail.local and procmail report them).
    private static Classification LocalProgram(Classification found) =>
        found.Reason is "mailboxfull" or "userunknown" or "suspend" or "hasmoved"
            ? found with { Why = $"{found.Why}, from a local delivery program (X-Unix)" }
            : new Classification("mailererror", false, null) { Why = "diagnostic type X-Unix: a local delivery program failed" };

    // A plain-text notice (no DSN) that says "no such user" without naming an SMTP command or a status
    // comes from a filtering gateway answering for the mailbox after the mail was taken (as Sisimai reads it).
    // So is a delivery report's recipient whose diagnostic is such words alone: no reply code, no specific status,
    // no command (a gateway's own sentence, not a remote server's refusal).
    private static Classification Filtered(BounceReport report, BounceRecipient r, Classification found) =>
        found is { Reason: "userunknown", AsIs: false } && ReplyClassifier.Stage(r.Diagnostic) is null
        && ((report.Kind == BounceReport.Text && r.Status is null)
            || (report.Kind == BounceReport.Dsn && r.ReplyCode is null && r.Status is null or "5.0.0" or "4.0.0" && !found.Why.StartsWith("status ", StringComparison.Ordinal)))
            ? new Classification("filtered", false, found.List) { Why = $"{found.Why}, {(report.Kind == BounceReport.Text ? "in a plain notice" : "in a report's own words")} without status, reply or command: a filter" }
            : found;

    // A temporary failure that the reporting MTA finally gave up on is an expiry, not the last error;
    // so is a warning that a mail is still queued after hours or days of retries.
    private static Classification Expire(MimeMessage message, BounceRecipient r, Classification found)
    {
        if (found.IpBlock)
        {
            return found;
        }
        var temporary = r.Status?.StartsWith("4.", StringComparison.Ordinal) == true || r.ReplyCode is >= 400 and < 500;
        // A temporary failure the reporting MTA finally gave up on ("failed" with a 4.x.x status) expired,
        // unless the words name something more specific than the connection (a full mailbox, a DNS answer).
        var gaveUp = r.Action == "failed" && temporary
            && (found.Reason is "undefined" || (found.Reason == "networkerror" && !NameService().IsMatch(r.Diagnostic)))
            || (r.Action == "failed" && temporary && r.Diagnostic.Contains("timed out", StringComparison.OrdinalIgnoreCase) && !NameService().IsMatch(r.Diagnostic));
        // (…a full mailbox or a disabled account stays what it is: the words name the recipient's own state.)
        var stillQueued = (r.Action == "delayed" || DelayNotice().IsMatch(message.Subject ?? "")) && (temporary || r.Status is null)
            && found.Reason is not ("mailboxfull" or "suspend" or "exceedlimit")
            // A warning that says the mail is still being retried is one, whatever its subject.
            || (r.Action is null or "delayed" && found.Reason == "undefined" && StillRetrying().IsMatch(message.TextBody ?? ""));
        return gaveUp ? new Classification("expired", false, found.List) { Why = $"temporary failure given up ({found.Why})" }
            : stillQueued ? new Classification("expired", false, found.List) { Why = $"a delay notice: still queued ({found.Why})" }
            : found;
    }

    [GeneratedRegex(@"\bDNS\b|name service|name server|host not found|domain (name )?not found|NXDOMAIN|lookup", RegexOptions.IgnoreCase)]
    private static partial Regex NameService();

    [GeneratedRegex(@"delivery attempts will continue|will (continue to )?(retry|be retried|try again)|has not yet been delivered|still (undelivered|queued|in the queue|being retried)|retry until", RegexOptions.IgnoreCase)]
    private static partial Regex StillRetrying();

    [GeneratedRegex(@"\bdelay|could not send message for past|cannot send message for \d+ days|warning: message .* delayed", RegexOptions.IgnoreCase)]
    private static partial Regex DelayNotice();
}
