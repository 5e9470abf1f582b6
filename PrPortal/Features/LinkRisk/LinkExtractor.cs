using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace PrPortal.Features.LinkRisk;

/// <summary>A link as written in the release: where it was found, the text shown for it (anchors), and its parsed form.</summary>
public sealed record ExtractedLink(string Raw, string Source, string? Text, Uri? Uri, string? Error)
{
    /// <summary>The normalised absolute URL (host in punycode, path percent-encoded), or the raw text when it did not parse.</summary>
    public string Key => Uri?.AbsoluteUri ?? Raw;
}

/// <summary>
/// Every link in release HTML, found by an HTML5 parser: href, src, action, formaction, background, poster,
/// srcset candidates, meta refresh, and URLs written as plain text (mail clients make those clickable).
/// </summary>
public static partial class LinkExtractor
{
    private static readonly (string Selector, string Attribute)[] Attributes =
    [
        ("a[href], area[href], link[href]", "href"),
        ("img[src], script[src], iframe[src], frame[src], embed[src], source[src], video[src], audio[src], track[src], input[src]", "src"),
        ("form[action]", "action"),
        ("button[formaction], input[formaction]", "formaction"),
        ("[background]", "background"),
        ("video[poster]", "poster"),
    ];

    [GeneratedRegex(@"(?:https?://|www\.)[^\s<>""'`「」『』（）()、。\u3000]+", RegexOptions.IgnoreCase)]
    private static partial Regex PlainUrl();

    [GeneratedRegex(@"^\s*\d*(?:\.\d+)?\s*[;,]?\s*(?:url\s*=\s*)?(?<url>.*)$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex MetaRefresh();

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9+.\-]*:")]
    private static partial Regex SchemePrefix();

    public static IReadOnlyList<ExtractedLink> Extract(string html)
    {
        var document = new HtmlParser().ParseDocument(html);
        var links = new List<ExtractedLink>();
        foreach (var (selector, attribute) in Attributes)
        {
            foreach (var element in document.QuerySelectorAll(selector))
            {
                var value = element.GetAttribute(attribute);
                if (value is not null)
                {
                    Add(links, value, attribute, element.LocalName == "a" ? Collapse(element.TextContent) : null);
                }
            }
        }
        foreach (var element in document.QuerySelectorAll("img[srcset], source[srcset]"))
        {
            foreach (var candidate in element.GetAttribute("srcset")!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                Add(links, candidate.Split(' ', 2)[0], "srcset", null);
            }
        }
        foreach (var meta in document.QuerySelectorAll("meta[http-equiv]"))
        {
            if (string.Equals(meta.GetAttribute("http-equiv"), "refresh", StringComparison.OrdinalIgnoreCase)
                && RefreshTarget(meta.GetAttribute("content")) is { } target)
            {
                Add(links, target, "meta refresh", null);
            }
        }
        if (document.Body is { } body)
        {
            foreach (var text in body.Descendants<IText>())
            {
                if (text.ParentElement?.Closest("a, script, style") is not null)
                {
                    continue;
                }
                foreach (Match match in PlainUrl().Matches(text.Data))
                {
                    var url = match.Value.TrimEnd('.', ',', ';', ':', '!', '?');
                    Add(links, url.StartsWith("www.", StringComparison.OrdinalIgnoreCase) ? "http://" + url : url, "text", null);
                }
            }
        }
        return links;
    }

    /// <summary>The URL of a refresh's content ("0; url=https://…"), or null when it only reloads.</summary>
    public static string? RefreshTarget(string? content)
    {
        if (string.IsNullOrWhiteSpace(content))
        {
            return null;
        }
        var url = MetaRefresh().Match(content).Groups["url"].Value.Trim().Trim('\'', '"');
        return url.Length == 0 ? null : url;
    }

    private static void Add(List<ExtractedLink> links, string raw, string source, string? text)
    {
        raw = raw.Trim();
        if (raw.Length == 0 || raw.StartsWith('#') || raw.StartsWith("cid:", StringComparison.OrdinalIgnoreCase))
        {
            return; // in-page anchors and inline images are not links out of the mail
        }
        var (uri, error) = Normalise(raw);
        links.Add(new ExtractedLink(raw, source, string.IsNullOrEmpty(text) ? null : text, uri, error));
    }

    /// <summary>An absolute URL with its host in punycode; or why it is not one.</summary>
    public static (Uri? Uri, string? Error) Normalise(string raw)
    {
        if (raw.Any(char.IsControl))
        {
            raw = new string(raw.Where(c => !char.IsControl(c)).ToArray()); // browsers drop tabs and newlines inside URLs
        }
        // Without a scheme it is relative, whatever the platform makes of "/path" (a file URI on Unix).
        if (!SchemePrefix().IsMatch(raw) || !Uri.TryCreate(raw, UriKind.Absolute, out var uri))
        {
            return Uri.TryCreate(raw, UriKind.Relative, out _)
                ? (null, "relative URL: it has no meaning in a mail")
                : (null, "not a valid URL");
        }
        if (uri.Scheme is "http" or "https")
        {
            if (string.IsNullOrEmpty(uri.Host))
            {
                return (null, "no host name");
            }
            try
            {
                // IdnHost maps full-width and upper-case letters and turns IDN labels into punycode.
                var builder = new UriBuilder(uri) { Host = uri.IdnHost };
                if (uri.IsDefaultPort)
                {
                    builder.Port = -1;
                }
                return (builder.Uri, null);
            }
            catch (UriFormatException e)
            {
                return (null, $"not a valid URL: {e.Message}");
            }
        }
        return (uri, null);
    }

    private static string Collapse(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
