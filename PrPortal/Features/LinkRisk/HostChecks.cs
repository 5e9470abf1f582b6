using System.Globalization;
using System.Text;

namespace PrPortal.Features.LinkRisk;

/// <summary>
/// Checks of a host name alone: URL shorteners (a list kept as data), and look-alike names that mix scripts
/// or are written entirely in letters that imitate Latin ones.
/// </summary>
public sealed class HostChecks
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = false };

    // Cyrillic and Greek letters that read as Latin ones in most fonts.
    private const string LatinLookalikes = "аеорсухіјѕԁԛԝӏвкмнтгпυοαεινκρτχ";

    private readonly HashSet<string> _shorteners;

    public HostChecks(IEnumerable<string> extraShorteners)
    {
        _shorteners = new HashSet<string>(LoadShorteners().Concat(extraShorteners.Select(s => s.Trim().ToLowerInvariant())), StringComparer.OrdinalIgnoreCase);
    }

    public int ShortenerCount => _shorteners.Count;

    private static IEnumerable<string> LoadShorteners()
    {
        using var stream = typeof(HostChecks).Assembly.GetManifestResourceStream("PrPortal.LinkRisk.url-shorteners.txt")
                           ?? throw new InvalidOperationException("The URL shortener list is not embedded.");
        using var reader = new StreamReader(stream);
        var list = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            line = line.Trim();
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                list.Add(line.ToLowerInvariant());
            }
        }
        return list;
    }

    /// <summary>The shortener domain the host belongs to, or null.</summary>
    public string? Shortener(string host)
    {
        for (var name = host.ToLowerInvariant(); name.Contains('.'); name = name[(name.IndexOf('.') + 1)..])
        {
            if (_shorteners.Contains(name))
            {
                return name;
            }
        }
        return null;
    }

    /// <summary>The host in Unicode (labels decoded from punycode), or the host itself when it does not decode.</summary>
    public static string Unicode(string asciiHost)
    {
        try
        {
            return Idn.GetUnicode(asciiHost);
        }
        catch (ArgumentException)
        {
            return asciiHost;
        }
    }

    /// <summary>Why the name is a look-alike (danger), or null.</summary>
    public static string? Lookalike(string asciiHost)
    {
        var unicode = Unicode(asciiHost);
        if (unicode == asciiHost)
        {
            return null;
        }
        foreach (var label in unicode.Split('.'))
        {
            var scripts = label.Where(char.IsLetter).Select(Script).Where(s => s is not null).Distinct().ToList();
            if (scripts.Contains("Latin") && scripts.Count > 1 && !scripts.All(s => s is "Latin" or "Japanese" or "Han" or "Hangul"))
            {
                return $"'{label}' mixes {string.Join(" and ", scripts)} letters";
            }
            if (scripts.Count > 1 && scripts.Contains("Cyrillic") && scripts.Contains("Greek"))
            {
                return $"'{label}' mixes Cyrillic and Greek letters";
            }
            var letters = label.Where(char.IsLetter).ToList();
            if (letters.Count > 0 && scripts is ["Cyrillic"] or ["Greek"] && letters.All(c => LatinLookalikes.Contains(char.ToLowerInvariant(c))))
            {
                return $"'{label}' is written in {scripts[0]} letters that look like Latin ones";
            }
        }
        return null;
    }

    private static string? Script(char c) => c switch
    {
        >= 'a' and <= 'z' or >= 'A' and <= 'Z' => "Latin",
        >= '\u00C0' and <= '\u024F' or >= '\u1E00' and <= '\u1EFF' => "Latin",
        >= '\u0370' and <= '\u03FF' or >= '\u1F00' and <= '\u1FFF' => "Greek",
        >= '\u0400' and <= '\u052F' => "Cyrillic",
        >= '\u3040' and <= '\u30FF' or >= '\u31F0' and <= '\u31FF' or >= '\uFF66' and <= '\uFF9F' => "Japanese",
        >= '\u4E00' and <= '\u9FFF' or >= '\u3400' and <= '\u4DBF' => "Han",
        >= '\uAC00' and <= '\uD7AF' or >= '\u1100' and <= '\u11FF' => "Hangul",
        _ => CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.OtherLetter ? "Other" : null,
    };

    /// <summary>True when the link was written with punycode labels (xn--), which hides what the name shows as.</summary>
    public static bool WrittenInPunycode(string raw) => raw.Contains("xn--", StringComparison.OrdinalIgnoreCase);

    public static string Describe(string asciiHost)
    {
        var unicode = Unicode(asciiHost);
        return unicode == asciiHost ? asciiHost : new StringBuilder(unicode).Append(" (").Append(asciiHost).Append(')').ToString();
    }
}
