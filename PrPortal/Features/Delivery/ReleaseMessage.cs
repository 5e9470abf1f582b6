using System.Net;
using MimeKit;
using MimeKit.Utils;

namespace PrPortal.Features.Delivery;

/// <summary>Builds the mail for one delivery: one recipient, a VERP return path and a Message-ID that name the delivery.</summary>
public static class ReleaseMessage
{
    public const string SenderDomain = "mail.prportal.example";
    public const string BounceDomain = "bounce.prportal.example";

    public static string ReturnPath(long deliveryId) => $"bounce+d{deliveryId}@{BounceDomain}";

    public static MimeMessage Build(long deliveryId, string from, string fromName, string to, string subject, string body) =>
        Build(deliveryId, from, fromName, to, subject, Content(body));

    /// <summary>The release's content. A MIME entity is not safe to write from two sends at once: build one per message.</summary>
    public static MimeEntity Content(string body) => new BodyBuilder
    {
        TextBody = body,
        // Release text is shown as text: escaped, never taken as markup.
        HtmlBody = $"<html><body><pre style=\"font-family:sans-serif;white-space:pre-wrap\">{WebUtility.HtmlEncode(body)}</pre></body></html>",
    }.ToMessageBody();

    public static MimeMessage Build(long deliveryId, string from, string fromName, string to, string subject, MimeEntity content)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(fromName, from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.MessageId = $"d{deliveryId}.{MimeUtils.GenerateMessageId(SenderDomain)}";
        message.Date = DateTimeOffset.UtcNow;
        message.Body = content;
        return message;
    }
}
