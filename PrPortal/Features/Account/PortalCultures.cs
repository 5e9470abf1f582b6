using System.Globalization;

namespace PrPortal.Features.Account;

/// <summary>The UI languages: Japanese by default, English selectable.</summary>
public static class PortalCultures
{
    public const string Japanese = "ja-JP";
    public const string English = "en-US";
    public static readonly string[] Supported = [Japanese, English];

    public static string Normalize(string? culture) =>
        Supported.FirstOrDefault(c => string.Equals(c, culture, StringComparison.OrdinalIgnoreCase)
            || string.Equals(new CultureInfo(c).TwoLetterISOLanguageName, culture, StringComparison.OrdinalIgnoreCase))
        ?? Japanese;
}
