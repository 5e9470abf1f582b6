using System.Text.Json;
using System.Text.RegularExpressions;

namespace PrPortal.Features.Bounces;

/// <summary>
/// Amazon SES's JSON notifications mailed as text (directly, or inside an SNS "Notification" envelope whose
/// Message is the notification as a string): the recipients are the ones the JSON names (bounced, complained,
/// delivered), not every address in it (the sender, the source ARN, the unsubscribe URL).
/// </summary>
public static partial class SesNotification
{
    /// <summary>The report the notification makes, or null when the text holds no SES notification.</summary>
    public static BounceReport? Read(string text)
    {
        if (!text.Contains("notificationType", StringComparison.Ordinal) && !text.Contains("eventType", StringComparison.Ordinal))
        {
            return null;
        }
        var start = text.IndexOf('{');
        var end = text.LastIndexOf('}');
        if (start < 0 || end <= start)
        {
            return null;
        }
        // Mailed JSON is folded into lines of limited length: a fold is a line break and one space
        // (sometimes after a "!" marking the cut), inside strings as well as between tokens.
        var json = Fold().Replace(text[start..(end + 1)], "");
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (Text(root, "Type") == "Notification" && Text(root, "Message") is { } inner)
            {
                using var message = JsonDocument.Parse(inner);
                return FromNotification(message.RootElement);
            }
            return FromNotification(root);
        }
        catch (JsonException)
        {
            return null; // not JSON after all: the text readers take it
        }
    }

    private static BounceReport? FromNotification(JsonElement n)
    {
        if (n.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var type = Text(n, "notificationType") ?? Text(n, "eventType");
        switch (type)
        {
            case "Bounce" when n.TryGetProperty("bounce", out var bounce):
                var recipients = Items(bounce, "bouncedRecipients").Select(r =>
                {
                    var code = Text(r, "diagnosticCode") ?? "";
                    var i = code.IndexOf(';');
                    var diagnostic = i >= 0 ? code[(i + 1)..].Trim() : code.Trim();
                    var status = Text(r, "status") ?? BounceReader.FindStatus(diagnostic);
                    return new BounceRecipient(Text(r, "emailAddress") ?? "", Text(r, "action")?.ToLowerInvariant(), status,
                        BounceReader.FindReplyCode(diagnostic), diagnostic, i > 0 ? code[..i].Trim().ToLowerInvariant() : null);
                }).Where(r => r.Recipient.Contains('@')).ToList();
                return recipients.Count > 0 ? new BounceReport(BounceReport.Dsn, recipients) : null;
            case "Complaint" when n.TryGetProperty("complaint", out var complaint):
                var complained = Items(complaint, "complainedRecipients").Select(r => Text(r, "emailAddress")).OfType<string>()
                    .Select(address => new BounceRecipient(address, null, null, null, "feedback-report")).ToList();
                return complained.Count > 0 ? new BounceReport(BounceReport.Feedback, complained) : null;
            case "Delivery" when n.TryGetProperty("delivery", out var delivery):
                var response = Text(delivery, "smtpResponse") ?? "";
                var delivered = Items(delivery, "recipients").Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!)
                    .Select(address => new BounceRecipient(address, "delivered", BounceReader.FindStatus(response) ?? "2.0.0", BounceReader.FindReplyCode(response), response, "smtp")).ToList();
                return delivered.Count > 0 ? new BounceReport(BounceReport.Dsn, delivered) : null;
            default:
                return null;
        }
    }

    private static IEnumerable<JsonElement> Items(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray() : [];

    private static string? Text(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [GeneratedRegex(@"!?\r?\n ")]
    private static partial Regex Fold();
}
