namespace PrPortal.Components.Shared;

/// <summary>Every time on screen is shown in Asia/Tokyo, whatever the server's zone.</summary>
public static class PortalTime
{
    public static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    public static DateTime ToTokyo(DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), Tokyo);

    public static string Format(DateTime utc) => ToTokyo(utc).ToString("yyyy-MM-dd HH:mm");

    /// <summary>With seconds, where the order of events matters (a timeline).</summary>
    public static string FormatSeconds(DateTime utc) => ToTokyo(utc).ToString("yyyy-MM-dd HH:mm:ss");

    public static string FormatDate(DateTime utc) => ToTokyo(utc).ToString("yyyy-MM-dd");
}
