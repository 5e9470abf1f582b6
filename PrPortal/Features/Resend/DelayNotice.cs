using System.Net;
using System.Text.RegularExpressions;
using Ganss.Xss;

namespace PrPortal.Features.Resend;

/// <summary>A delay notice as staff write it: subject prefix, HTML and text, with placeholders.</summary>
public sealed record DelayNoticeTemplate(string Language, string? SubjectPrefix, string Html, string Text);

/// <summary>The notice filled in for one mail: what goes above the release, unchanged below it.</summary>
public sealed record FilledNotice(string? SubjectPrefix, string Html, string Text);

/// <summary>
/// Delay notices: the built-in templates, validation at save (unknown placeholders, broken or unsafe
/// HTML are refused with the reason), and filling one in. Values are HTML-encoded in the HTML part and
/// the template's HTML passes the sanitizer, so a notice never carries script into a recipient's mail
/// or the portal's preview.
/// </summary>
public static partial class DelayNotice
{
    public static readonly string[] Placeholders = ["original_sent_at", "release_title", "company"];
    public static readonly string[] Languages = ["ja", "en"];

    public static DelayNoticeTemplate Default(string language) => language == "en"
        ? new("en", "[Resent] ",
            "<p style=\"padding:8px;border:1px solid #c77;background:#fff4f4\"><strong>This release reaches you late.</strong> It was first sent on {original_sent_at}, but a fault in our delivery system kept it from arriving. We apologise. The release \"{release_title}\" from {company} follows unchanged.</p>",
            "This release reaches you late. It was first sent on {original_sent_at}, but a fault in our delivery system kept it from arriving. We apologise.\nThe release \"{release_title}\" from {company} follows unchanged.")
        : new("ja", "【再送】",
            "<p style=\"padding:8px;border:1px solid #c77;background:#fff4f4\"><strong>このプレスリリースは遅れてお届けしています。</strong>{original_sent_at}に配信したものですが、配信システムの障害によりお届けできていませんでした。ご迷惑をおかけし申し訳ございません。以下、{company}の「{release_title}」を当時のままお送りします。</p>",
            "このプレスリリースは遅れてお届けしています。\n{original_sent_at}に配信したものですが、配信システムの障害によりお届けできていませんでした。ご迷惑をおかけし申し訳ございません。\n以下、{company}の「{release_title}」を当時のままお送りします。");

    [GeneratedRegex(@"\{([^{}]*)\}")]
    private static partial Regex Placeholder();

    private static string Say(string key, params object?[] args) => Infrastructure.Text.LocalText.Of(key, args).Encode();

    /// <summary>Every reason the template cannot be saved, each a <see cref="Infrastructure.Text.LocalText"/> for the reader's language; empty when it can.</summary>
    public static IReadOnlyList<string> Validate(DelayNoticeTemplate template)
    {
        var errors = new List<string>();
        if (!Languages.Contains(template.Language))
        {
            errors.Add(Say("Template.Error.Language", template.Language, string.Join(", ", Languages)));
        }
        if (string.IsNullOrWhiteSpace(template.Html) || string.IsNullOrWhiteSpace(template.Text))
        {
            errors.Add(Say("Template.Error.BothParts"));
        }
        foreach (var (part, value) in new[] { ("subject", template.SubjectPrefix ?? ""), ("html", template.Html), ("text", template.Text) })
        {
            foreach (Match m in Placeholder().Matches(value))
            {
                if (!Placeholders.Contains(m.Groups[1].Value))
                {
                    errors.Add(Say($"Template.Error.Placeholder.{part}", m.Value, string.Join(", ", Placeholders.Select(p => "{" + p + "}"))));
                }
            }
            if (value.Count(c => c == '{') != value.Count(c => c == '}'))
            {
                errors.Add(Say($"Template.Error.Braces.{part}"));
            }
        }
        if ((template.SubjectPrefix ?? "").Contains('\n') || (template.SubjectPrefix ?? "").Contains('\r'))
        {
            errors.Add(Say("Template.Error.OneLine"));
        }
        if (!string.IsNullOrWhiteSpace(template.Html))
        {
            errors.AddRange(HtmlProblems(template.Html));
        }
        return errors;
    }

    /// <summary>Unclosed or stray tags, and anything the sanitizer would strip (script, event handlers).</summary>
    private static IEnumerable<string> HtmlProblems(string html)
    {
        var problems = new List<string>();
        // An HTML5 parser closes a forgotten tag silently; a notice with one is still broken, so the tags are counted.
        var opened = Regex.Matches(html, @"<([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>").Where(m => m.Groups[2].Value != "/").Select(m => m.Groups[1].Value.ToLowerInvariant())
            .Where(t => !VoidElements.Contains(t)).GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        var closed = Regex.Matches(html, @"</([a-zA-Z][a-zA-Z0-9]*)\s*>").Select(m => m.Groups[1].Value.ToLowerInvariant())
            .GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        foreach (var (tag, count) in opened.Where(o => closed.GetValueOrDefault(o.Key) < o.Value))
        {
            problems.Add(Say("Template.Error.NotClosed", $"<{tag}>"));
        }
        foreach (var (tag, count) in closed.Where(c => opened.GetValueOrDefault(c.Key) < c.Value))
        {
            problems.Add(Say("Template.Error.NoOpening", $"</{tag}>"));
        }
        var removed = new List<string>();
        var sanitizer = Sanitizer();
        sanitizer.RemovingTag += (_, e) => removed.Add(Say("Template.Error.Tag", $"<{e.Tag.LocalName}>"));
        sanitizer.RemovingAttribute += (_, e) => removed.Add(Say("Template.Error.Attribute", e.Attribute.Name, $"<{e.Tag.LocalName}>"));
        sanitizer.RemovingStyle += (_, e) => removed.Add(Say("Template.Error.Style", e.Style.Name));
        sanitizer.Sanitize(html);
        problems.AddRange(removed.Distinct());
        return problems.Distinct();
    }

    private static readonly HashSet<string> VoidElements = ["br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base", "source", "track", "embed", "param"];

    private static HtmlSanitizer Sanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        sanitizer.AllowedSchemes.Clear();
        sanitizer.AllowedSchemes.Add("https");
        sanitizer.AllowedSchemes.Add("mailto");
        return sanitizer;
    }

    /// <summary>The template with this mail's values: HTML-encoded and sanitized in the HTML part, as is in the text.</summary>
    public static FilledNotice Fill(DelayNoticeTemplate template, DateTime originalSentAtUtc, string releaseTitle, string company)
    {
        var when = Components.Shared.PortalTime.Format(originalSentAtUtc) + (template.Language == "ja" ? "（日本時間）" : " (Japan time)");
        var values = new Dictionary<string, string> { ["original_sent_at"] = when, ["release_title"] = releaseTitle, ["company"] = company };
        string Replace(string value, Func<string, string> encode) =>
            Placeholder().Replace(value, m => values.TryGetValue(m.Groups[1].Value, out var v) ? encode(v) : m.Value);
        return new FilledNotice(
            string.IsNullOrEmpty(template.SubjectPrefix) ? null : Replace(template.SubjectPrefix, v => v),
            Sanitizer().Sanitize(Replace(template.Html, WebUtility.HtmlEncode)),
            Replace(template.Text, v => v));
    }
}
