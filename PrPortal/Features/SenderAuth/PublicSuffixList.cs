namespace PrPortal.Features.SenderAuth;

/// <summary>
/// The Public Suffix List (embedded, MPL 2.0) and the organisational domain of RFC 7489 §3.2: the
/// public suffix plus one label. Rules, wildcards (*.ck) and exceptions (!www.ck) as publicsuffix.org
/// describes.
/// </summary>
public sealed class PublicSuffixList
{
    private readonly HashSet<string> _rules = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _wildcards = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _exceptions = new(StringComparer.OrdinalIgnoreCase);

    public static PublicSuffixList Default { get; } = Load();

    public PublicSuffixList(IEnumerable<string> lines)
    {
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }
            line = line.Split(' ', '\t')[0];
            if (line.StartsWith('!'))
            {
                _exceptions.Add(line[1..]);
            }
            else if (line.StartsWith("*.", StringComparison.Ordinal))
            {
                _wildcards.Add(line[2..]);
            }
            else
            {
                _rules.Add(line);
            }
        }
    }

    private static PublicSuffixList Load()
    {
        using var stream = typeof(PublicSuffixList).Assembly.GetManifestResourceStream("PrPortal.SenderAuth.public_suffix_list.dat")
                           ?? throw new InvalidOperationException("The Public Suffix List is not embedded.");
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }
        return new PublicSuffixList(lines);
    }

    /// <summary>The public suffix of a domain; an unlisted top-level label counts as one ("*" rule).</summary>
    public string PublicSuffix(string domain)
    {
        var labels = domain.TrimEnd('.').ToLowerInvariant().Split('.');
        for (var i = 0; i < labels.Length; i++)
        {
            var candidate = string.Join('.', labels[i..]);
            if (_exceptions.Contains(candidate))
            {
                return string.Join('.', labels[(i + 1)..]);
            }
            if (_rules.Contains(candidate))
            {
                return candidate;
            }
            if (i + 1 < labels.Length && _wildcards.Contains(string.Join('.', labels[(i + 1)..])))
            {
                return candidate;
            }
        }
        return labels[^1];
    }

    /// <summary>True when the list has a rule for this suffix (com, co.jp, a wildcard's child), not just the "*" default.</summary>
    public bool IsListed(string suffix)
    {
        suffix = suffix.TrimEnd('.').ToLowerInvariant();
        var dot = suffix.IndexOf('.');
        return _rules.Contains(suffix) || (dot > 0 && _wildcards.Contains(suffix[(dot + 1)..]) && !_exceptions.Contains(suffix));
    }

    /// <summary>The public suffix plus one label; the domain itself when it is a public suffix.</summary>
    public string OrganizationalDomain(string domain)
    {
        domain = domain.TrimEnd('.').ToLowerInvariant();
        var suffix = PublicSuffix(domain);
        if (domain.Length <= suffix.Length)
        {
            return domain;
        }
        var rest = domain[..^(suffix.Length + 1)];
        var last = rest.LastIndexOf('.');
        return (last < 0 ? rest : rest[(last + 1)..]) + "." + suffix;
    }
}
