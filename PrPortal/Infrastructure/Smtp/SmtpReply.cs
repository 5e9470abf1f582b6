using System.Text.RegularExpressions;

namespace PrPortal.Infrastructure.Smtp;

/// <summary>An SMTP reply as it went over the wire: code, enhanced status and every line.</summary>
public sealed partial record SmtpReply(int Code, string? EnhancedStatus, string Text)
{
    /// <summary>
    /// Rebuilds the wire form from MailKit's parsed reply (lines joined with '\n', codes stripped):
    /// "550-5.7.1 first\n550 5.7.1 last". Nothing of the server's text is lost or changed.
    /// </summary>
    public static SmtpReply FromParsed(int code, string response)
    {
        var lines = response.Replace("\r\n", "\n").Split('\n');
        var wire = string.Join('\n', lines.Select((line, i) => $"{code}{(i < lines.Length - 1 ? '-' : ' ')}{line}"));
        return new SmtpReply(code, Enhanced(lines[0]), wire);
    }

    public static string? Enhanced(string text) =>
        EnhancedPattern().Match(text) is { Success: true } m ? m.Value : null;

    [GeneratedRegex(@"^[245]\.\d{1,3}\.\d{1,3}(?=\s|$)")]
    private static partial Regex EnhancedPattern();
}
