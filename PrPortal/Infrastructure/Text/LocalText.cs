using System.Globalization;
using System.Resources;

namespace PrPortal.Infrastructure.Text;

/// <summary>
/// A sentence the portal writes down (an incident's evidence and timeline, a routing change's reason) kept
/// as a resource key with its arguments, so each reader sees it in their language; the remote server's own
/// words (an SMTP reply) ride along as a quote and are shown as received. Stored as one string:
/// <c>\u0002key\u001farg…\u001dquote</c>. A stored string without the mark is shown as it is (rows written
/// before texts were kept this way, staff's own notes).
/// </summary>
public sealed record LocalText(string Key, IReadOnlyList<string> Args, string? Quote = null)
{
    private const char Mark = '\u0002', Separator = '\u001f', QuoteMark = '\u001d';

    private static readonly ResourceManager Resources = new("PrPortal.Resources.SharedResource", typeof(LocalText).Assembly);

    public static LocalText Of(string key, params object?[] args) =>
        new(key, [.. args.Select(a => Convert.ToString(a, CultureInfo.InvariantCulture) ?? "")]);

    public LocalText Quoting(string? quote) => this with { Quote = string.IsNullOrWhiteSpace(quote) ? null : quote };

    public string Encode() =>
        Mark + Key + string.Concat(Args.Select(a => Separator + Clean(a))) + (Quote is null ? "" : QuoteMark + Clean(Quote));

    public override string ToString() => Encode();

    /// <summary>Cut to <paramref name="max"/> characters by shortening the quote, never the key or arguments.</summary>
    public string Encode(int max)
    {
        var whole = Encode();
        if (whole.Length <= max || Quote is null)
        {
            return whole.Length <= max ? whole : whole[..max];
        }
        var room = Math.Max(0, Quote.Length - (whole.Length - max));
        return (this with { Quote = Quote[..room] }).Encode();
    }

    public static LocalText? Decode(string? stored)
    {
        if (string.IsNullOrEmpty(stored) || stored[0] != Mark)
        {
            return null;
        }
        var body = stored[1..];
        string? quote = null;
        if (body.IndexOf(QuoteMark) is var q and >= 0)
        {
            quote = body[(q + 1)..];
            body = body[..q];
        }
        var parts = body.Split(Separator);
        return new LocalText(parts[0], parts[1..], quote);
    }

    /// <summary>The sentence through a lookup of resource texts (the UI's localizer).</summary>
    public string Sentence(Func<string, string?> resource)
    {
        var format = resource(Key) ?? Key;
        try
        {
            return string.Format(CultureInfo.CurrentCulture, format, [.. Args]);
        }
        catch (FormatException)
        {
            return format + " " + string.Join(", ", Args);
        }
    }

    /// <summary>A resource text in a given language ("ja" or "en"), for what is read outside a page's culture (a mail, a public page).</summary>
    public static string Resource(string key, string language) =>
        Resources.GetString(key, CultureInfo.GetCultureInfo(language == "en" ? "en" : "ja")) ?? key;

    /// <summary>The stored text in one culture, quote included, for logs, alerts, verbs and CSV (English by default).</summary>
    public static string Plain(string? stored, CultureInfo? culture = null)
    {
        if (Decode(stored) is not { } text)
        {
            return stored ?? "";
        }
        culture ??= CultureInfo.GetCultureInfo("en");
        var sentence = text.Sentence(key => Resources.GetString(key, culture));
        return text.Quote is null ? sentence : $"{sentence}: {text.Quote}";
    }

    /// <summary>Just the remote server's words, if the text quotes any; else the stored text itself.</summary>
    public static string? QuoteOf(string? stored) => Decode(stored) is { } text ? text.Quote : stored;

    private static string Clean(string value) => value.Replace(Mark, ' ').Replace(Separator, ' ').Replace(QuoteMark, ' ');
}
