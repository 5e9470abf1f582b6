using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PrPortal.Features.SenderAuth;

/// <summary>What macros expand to (RFC 7208 §7.2): the identity being checked and the connection.</summary>
public sealed record SpfMacroValues(string Sender, string LocalPart, string SenderDomain, string Domain, IPAddress Ip, string Helo,
    string ReceivingHost, DateTimeOffset Now, Func<Task<string>> ValidatedName);

/// <summary>Macro strings (RFC 7208 §7): syntax check and expansion.</summary>
public static class SpfMacro
{
    private const string Delimiters = ".-+,/_=";

    /// <summary>Checks a macro-string; true when it ends in a macro-expand (for the domain-end rule).</summary>
    public static bool Validate(string text, string term, bool allowExpOnly)
    {
        var endsInMacro = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c != '%')
            {
                if (c is < '!' or > '~')
                {
                    throw new SpfSyntaxException($"'{term}': character U+{(int)c:X4} is not allowed here");
                }
                endsInMacro = false;
                continue;
            }
            if (i + 1 >= text.Length)
            {
                throw new SpfSyntaxException($"'{term}': '%' at the end is not a macro");
            }
            var next = text[i + 1];
            if (next is '%' or '_' or '-')
            {
                i++;
                endsInMacro = true;
                continue;
            }
            if (next != '{')
            {
                throw new SpfSyntaxException($"'{term}': '%{next}' is not a macro; write '%%' for a percent sign");
            }
            var close = text.IndexOf('}', i + 2);
            if (close < 0)
            {
                throw new SpfSyntaxException($"'{term}': a macro is not closed with '}}'");
            }
            ParseMacro(text[(i + 2)..close], term, allowExpOnly);
            i = close;
            endsInMacro = true;
        }
        return endsInMacro;
    }

    private static (char Letter, int Keep, bool Reverse, string Delimiters) ParseMacro(string body, string term, bool allowExpOnly)
    {
        if (body.Length == 0)
        {
            throw new SpfSyntaxException($"'{term}': empty macro '%{{}}'");
        }
        var letter = body[0];
        var lower = char.ToLowerInvariant(letter);
        if ("slodiphcrtv".IndexOf(lower) < 0 || letter > 'z')
        {
            throw new SpfSyntaxException($"'{term}': '%{{{letter}' is not a macro letter");
        }
        if (!allowExpOnly && lower is 'c' or 'r' or 't')
        {
            throw new SpfSyntaxException($"'{term}': '%{{{letter}}}' is allowed only in an explanation");
        }
        var i = 1;
        while (i < body.Length && char.IsAsciiDigit(body[i]))
        {
            i++;
        }
        var keep = 0;
        if (i > 1)
        {
            if (!int.TryParse(body[1..i], NumberStyles.None, CultureInfo.InvariantCulture, out keep) || keep == 0)
            {
                throw new SpfSyntaxException($"'{term}': the number of parts in '%{{{body}}}' must be from 1 up");
            }
        }
        var reverse = false;
        if (i < body.Length && body[i] is 'r' or 'R')
        {
            reverse = true;
            i++;
        }
        var delimiters = body[i..];
        if (delimiters.Any(d => Delimiters.IndexOf(d) < 0))
        {
            throw new SpfSyntaxException($"'{term}': '%{{{body}}}' has an invalid delimiter");
        }
        return (letter, keep, reverse, delimiters);
    }

    public static async Task<string> ExpandAsync(string text, SpfMacroValues values, bool allowExpOnly)
    {
        var result = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c != '%')
            {
                result.Append(c);
                continue;
            }
            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            switch (next)
            {
                case '%': result.Append('%'); i++; continue;
                case '_': result.Append(' '); i++; continue;
                case '-': result.Append("%20"); i++; continue;
            }
            var close = next == '{' ? text.IndexOf('}', i + 2) : -1;
            if (close < 0)
            {
                throw new SpfSyntaxException($"'{text}' is not a valid macro string");
            }
            var (letter, keep, reverse, delimiters) = ParseMacro(text[(i + 2)..close], text, allowExpOnly);
            var value = await ValueAsync(char.ToLowerInvariant(letter), values);
            var parts = value.Split(delimiters.Length == 0 ? ['.'] : delimiters.ToCharArray()).ToList();
            if (reverse)
            {
                parts.Reverse();
            }
            if (keep > 0 && keep < parts.Count)
            {
                parts = parts[^keep..];
            }
            var expanded = string.Join('.', parts);
            result.Append(char.IsUpper(letter) ? Uri.EscapeDataString(expanded) : expanded);
            i = close;
        }
        return result.ToString();
    }

    private static async Task<string> ValueAsync(char letter, SpfMacroValues v) => letter switch
    {
        's' => v.Sender,
        'l' => v.LocalPart,
        'o' => v.SenderDomain,
        'd' => v.Domain,
        'i' => DottedIp(v.Ip),
        'p' => await v.ValidatedName(),
        'v' => v.Ip.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "in-addr",
        'h' => v.Helo,
        'c' => v.Ip.ToString(),
        'r' => v.ReceivingHost,
        't' => v.Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        _ => throw new SpfSyntaxException($"'%{{{letter}}}' is not a macro letter"),
    };

    /// <summary>IPv4 as dotted quad; IPv6 as 32 dot-separated nibbles, upper-case as in the RFC's examples (§7.3, §7.4).</summary>
    public static string DottedIp(IPAddress ip) => ip.AddressFamily == AddressFamily.InterNetworkV6
        ? string.Join('.', Convert.ToHexString(ip.GetAddressBytes()).ToCharArray())
        : ip.ToString();
}
