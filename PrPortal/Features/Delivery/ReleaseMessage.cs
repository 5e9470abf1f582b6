using System.Net;
using MimeKit;
using MimeKit.Utils;

namespace PrPortal.Features.Delivery;

/// <summary>
/// A release's content as the distribution system gave it: HTML and text parts, either of which may be
/// missing. The part that is missing is made from the other (text from the HTML's text, HTML from the
/// text, escaped), so every mail has both.
/// </summary>
public sealed record ReleaseContent(string? Html, string? Text)
{
    public bool IsEmpty => Html is null && Text is null;

    public static ReleaseContent FromText(string text) => new(null, text);

    /// <summary>The release's stored content, or null when it has none (it is then never resent).</summary>
    public static ReleaseContent? Of(string? html, string? text) => html is null && text is null ? null : new ReleaseContent(html, text);

    public string TextPart => Text ?? TextOf(Html ?? "");

    public string HtmlPart => Html ?? $"<html><body><pre style=\"font-family:sans-serif;white-space:pre-wrap\">{WebUtility.HtmlEncode(Text ?? "")}</pre></body></html>";

    /// <summary>The words of an HTML body, for the text part of a release that came as HTML only.</summary>
    public static string TextOf(string html)
    {
        var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html);
        foreach (var hidden in document.QuerySelectorAll("script, style, head"))
        {
            hidden.Remove();
        }
        foreach (var lineBreak in document.QuerySelectorAll("br"))
        {
            lineBreak.Replace(document.CreateTextNode("\n"));
        }
        foreach (var block in document.QuerySelectorAll("p, div, h1, h2, h3, h4, h5, h6, li, tr"))
        {
            block.Append(document.CreateTextNode("\n"));
        }
        var text = document.Body?.TextContent ?? document.DocumentElement.TextContent;
        var lines = text.Replace("\r", "").Split('\n').Select(l => l.Trim());
        return string.Join("\n", lines.Where((l, i) => l.Length > 0)).Trim();
    }
}

/// <summary>Builds the mail for one delivery: one recipient, a VERP return path and a Message-ID that name the delivery.</summary>
public static class ReleaseMessage
{
    public const string SenderDomain = "mail.prportal.example";
    public const string BounceDomain = "bounce.prportal.example";

    /// <summary>
    /// What generated traffic (the sandbox's load, drills) carries: it stands for no real release. Real
    /// releases go out with their stored content; a resend without one is never sent.
    /// </summary>
    public const string StandInBody = "本文 / body";

    /// <summary>The line between the delay notice and the release in the text part.</summary>
    public const string NoticeSeparator = "\n\n----------------------------------------\n\n";

    public static string ReturnPath(long deliveryId) => $"bounce+d{deliveryId}@{BounceDomain}";

    /// <summary>A plain-text mail (probes, replays): its HTML part is the text, escaped.</summary>
    public static MimeMessage Build(long deliveryId, string from, string fromName, string to, string subject, string body) =>
        Build(deliveryId, from, fromName, to, subject, Content(ReleaseContent.FromText(body)));

    /// <summary>The release's content. A MIME entity is not safe to write from two sends at once: build one per message.</summary>
    public static MimeEntity Content(ReleaseContent content) => new BodyBuilder
    {
        TextBody = content.TextPart,
        HtmlBody = content.HtmlPart,
    }.ToMessageBody();

    /// <summary>
    /// A resend: the delay notice above the release, which follows unchanged (byte for byte), in both
    /// parts. The Message-ID names the batch and the delivery and is the same on every try, so a
    /// receiver can tell a second copy after a lost reply.
    /// </summary>
    public static MimeMessage BuildResend(long deliveryId, string messageId, string from, string fromName, string to, string subject,
        ReleaseContent release, Resend.FilledNotice? notice)
    {
        var content = new BodyBuilder
        {
            TextBody = notice is null ? release.TextPart : notice.Text + NoticeSeparator + release.TextPart,
            // The notice goes before the release's own document, which follows as it was written.
            HtmlBody = notice is null ? release.HtmlPart
                : $"<div class=\"prportal-delay-notice\" style=\"border:1px solid #999;padding:8px;margin-bottom:12px\">{notice.Html}</div>\n{release.HtmlPart}",
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
