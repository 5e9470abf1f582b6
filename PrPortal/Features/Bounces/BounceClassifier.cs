using MimeKit;

namespace PrPortal.Features.Bounces;

/// <summary>A bounce recipient with its meaning.</summary>
public sealed record ClassifiedRecipient(BounceRecipient Recipient, Classification Classification);

/// <summary>Reads a bounce and classifies each recipient: the DSN action and report kind first, then the reply.</summary>
public sealed class BounceClassifier(ReplyClassifier replies)
{
    public IReadOnlyList<ClassifiedRecipient> Classify(MimeMessage message)
    {
        var report = BounceReader.Read(message);
        return report.Recipients.Select(r => new ClassifiedRecipient(r, report.Kind switch
        {
            BounceReport.Feedback => new Classification("feedback", false, null),
            BounceReport.AutoReply => new Classification("vacation", false, null),
            _ when r.Action is "delivered" or "relayed" or "expanded" => new Classification("delivered", false, null),
            _ => Expire(r, replies.Classify(r.Status, r.ReplyCode, r.Diagnostic)),
        })).ToList();
    }

    // A temporary failure that the reporting MTA finally gave up on is an expiry, not the last error.
    private static Classification Expire(BounceRecipient r, Classification found) =>
        r.Action == "failed" && r.Status?.StartsWith("4.", StringComparison.Ordinal) == true && !found.IpBlock
            && r.Diagnostic.Contains("timed out", StringComparison.OrdinalIgnoreCase)
            ? new Classification("expired", false, found.List)
            : found;
}
