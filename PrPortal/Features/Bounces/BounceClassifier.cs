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
        return report.Recipients.Select(r => new ClassifiedRecipient(r, report.Kind switch
        {
            BounceReport.Feedback => new Classification("feedback", false, null),
            BounceReport.AutoReply => new Classification("vacation", false, null),
            _ when r.Action is "delivered" or "relayed" or "expanded" => new Classification("delivered", false, null),
            // An X-Unix diagnostic is a local delivery program's exit (a pipe, procmail): the mailer failed.
            _ when r.DiagnosticType == "x-unix" => new Classification("mailererror", false, null),
            _ => Filtered(report, r, Expire(message, r, replies.Classify(r.Status, r.ReplyCode, r.Diagnostic))),
        })).ToList();
    }

    // A plain-text notice (no DSN) that says "no such user" without naming an SMTP command or a status
    // comes from a filtering gateway answering for the mailbox after the mail was taken (as Sisimai reads it).
    private static Classification Filtered(BounceReport report, BounceRecipient r, Classification found) =>
        report.Kind == BounceReport.Text && found is { Reason: "userunknown", AsIs: false } && r.Status is null && ReplyClassifier.Stage(r.Diagnostic) is null
            ? new Classification("filtered", false, found.List)
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
        var gaveUp = r.Action == "failed" && temporary && r.Diagnostic.Contains("timed out", StringComparison.OrdinalIgnoreCase);
        var stillQueued = (r.Action == "delayed" || DelayNotice().IsMatch(message.Subject ?? "")) && (temporary || r.Status is null);
        return gaveUp || stillQueued ? new Classification("expired", false, found.List) : found;
    }

    [GeneratedRegex(@"\bdelay|could not send message for past|cannot send message for \d+ days|warning: message .* delayed", RegexOptions.IgnoreCase)]
    private static partial Regex DelayNotice();
}
