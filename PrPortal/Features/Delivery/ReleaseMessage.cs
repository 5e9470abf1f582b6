using System.Net;
using MimeKit;
using MimeKit.Utils;

namespace PrPortal.Features.Delivery;

/// <summary>Builds the mail for one delivery: one recipient, a VERP return path and a Message-ID that name the delivery.</summary>
public static class ReleaseMessage
{
    public const string SenderDomain = "mail.prportal.example";
    public const string BounceDomain = "bounce.prportal.example";

    /// <summary>The release text the portal sends when the release's own body is not at hand (generated traffic, retries, resends).</summary>
    public const string StandInBody = "本文 / body";

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

    /// <summary>
    /// A resend: the delay notice above the release, which follows unchanged, in both parts. The
    /// Message-ID names the batch and the delivery and is the same on every try, so a receiver can
    /// tell a second copy after a lost reply.
    /// </summary>
    public static MimeMessage BuildResend(long deliveryId, string messageId, string from, string fromName, string to, string subject,
        string body, Resend.FilledNotice? notice)
    {
        var html = $"<pre style=\"font-family:sans-serif;white-space:pre-wrap\">{WebUtility.HtmlEncode(body)}</pre>";
        var content = new BodyBuilder
        {
            TextBody = notice is null ? body : notice.Text + "\n\n----------------------------------------\n\n" + body,
            HtmlBody = notice is null ? $"<html><body>{html}</body></html>"
                : $"<html><body><div class=\"prportal-delay-notice\">{notice.Html}</div><hr>{html}</body></html>",
        }.ToMessageBody();
        var message = Build(deliveryId, from, fromName, to, (notice?.SubjectPrefix ?? "") + subject, content);
        message.MessageId = messageId;
        return message;
    }

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
