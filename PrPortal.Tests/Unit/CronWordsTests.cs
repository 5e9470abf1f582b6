using PrPortal.Features.Jobs;

namespace PrPortal.Tests.Unit;

/// <summary>The jobs page reads schedules in words; shapes it does not know stay as the expression.</summary>
[Trait("Category", "Unit")]
public sealed class CronWordsTests
{
    private static readonly Dictionary<string, string> Japanese = new()
    {
        ["Jobs.Cron.EveryMinute"] = "毎分",
        ["Jobs.Cron.EveryMinuteAt"] = "毎分 {0} 秒",
        ["Jobs.Cron.EveryNMinutes"] = "{0} 分ごと",
        ["Jobs.Cron.Hourly"] = "毎時 {0} 分",
        ["Jobs.Cron.EveryNHours"] = "{0} 時間ごと（{1} 分）",
        ["Jobs.Cron.Daily"] = "毎日 {0}",
    };

    [Theory]
    [InlineData("0 * * * * ?", "毎分")]
    [InlineData("30 * * * * ?", "毎分 30 秒")]
    [InlineData("0 */10 * * * ?", "10 分ごと")]
    [InlineData("0 0/5 * * * ?", "5 分ごと")]
    [InlineData("0 5 * * * ?", "毎時 5 分")]
    [InlineData("0 15 */6 * * ?", "6 時間ごと（15 分）")]
    [InlineData("0 0 9 * * ?", "毎日 9:00")]
    [InlineData("0 30 9 * * ?", "毎日 9:30")]
    public void Common_schedules_read_in_words(string cron, string words) =>
        Assert.Equal(words, CronWords.Describe(cron, (key, args) => string.Format(Japanese[key], args)));

    [Theory]
    [InlineData("0 0 9 ? * MON-FRI")]
    [InlineData("0 0 9 1 * ?")]
    [InlineData("0 5,35 * * * ?")]
    [InlineData("not a cron")]
    [InlineData(null)]
    public void Other_shapes_are_left_to_the_expression(string? cron) =>
        Assert.Null(CronWords.Describe(cron, (key, args) => string.Format(Japanese[key], args)));
}
