using System.Text.RegularExpressions;

namespace PrPortal.Features.Jobs;

/// <summary>
/// A Quartz cron expression (seconds minutes hours day month weekday) in words, for the shapes the
/// portal's schedules take: every minute, every N minutes, hourly at a minute, every N hours, daily at a
/// time. Anything else is shown as the expression itself (null here).
/// </summary>
public static partial class CronWords
{
    /// <param name="text">The resource text for a key ("Jobs.Cron.Daily") with its arguments.</param>
    public static string? Describe(string? cron, Func<string, object[], string> text)
    {
        var parts = cron?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts is not { Length: 6 or 7 } || parts[3] is not ("*" or "?") || parts[4] != "*" || parts[5] is not ("*" or "?")
            || (parts.Length == 7 && parts[6] != "*"))
        {
            return null;
        }
        var (second, minute, hour) = (parts[0], parts[1], parts[2]);
        if (!Number().IsMatch(second))
        {
            return null;
        }
        if (hour == "*")
        {
            if (minute == "*")
            {
                return second == "0" ? text("Jobs.Cron.EveryMinute", []) : text("Jobs.Cron.EveryMinuteAt", [int.Parse(second)]);
            }
            if (Step().Match(minute) is { Success: true } step && step.Groups[1].Value is "" or "0" or "*")
            {
                return text("Jobs.Cron.EveryNMinutes", [int.Parse(step.Groups[2].Value)]);
            }
            return Number().IsMatch(minute) ? text("Jobs.Cron.Hourly", [int.Parse(minute)]) : null;
        }
        if (!Number().IsMatch(minute))
        {
            return null;
        }
        if (Step().Match(hour) is { Success: true } hours && hours.Groups[1].Value is "" or "0" or "*")
        {
            return text("Jobs.Cron.EveryNHours", [int.Parse(hours.Groups[2].Value), int.Parse(minute)]);
        }
        return Number().IsMatch(hour) ? text("Jobs.Cron.Daily", [$"{int.Parse(hour)}:{int.Parse(minute):00}"]) : null;
    }

    [GeneratedRegex(@"^\d{1,2}$")]
    private static partial Regex Number();

    [GeneratedRegex(@"^(\*|\d{1,2})?/(\d{1,2})$")]
    private static partial Regex Step();
}
