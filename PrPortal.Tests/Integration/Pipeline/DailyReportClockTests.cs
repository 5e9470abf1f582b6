using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using PrPortal.Components.Shared;
using PrPortal.Data;
using PrPortal.Features.Reports;
using PrPortal.Features.SendLog;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Pipeline;

/// <summary>"Yesterday" is the day before in Asia/Tokyo at any hour of the server's clock, in any zone.</summary>
[Trait("Category", "Integration")]
public sealed class DailyReportClockTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Theory]
    [InlineData(2026, 12, 1, 15, 0)]  // 00:00 in Tokyo on the 2nd
    [InlineData(2026, 12, 1, 21, 35)] // 06:35 in Tokyo: the hour the report once came out empty
    [InlineData(2026, 12, 2, 14, 59)] // 23:59 in Tokyo on the 2nd
    public async Task The_daily_report_covers_yesterday_in_tokyo_whatever_the_hour(int year, int month, int day, int hour, int minute)
    {
        _ = factory.Server;
        var now = new DateTimeOffset(year, month, day, hour, minute, 0, TimeSpan.Zero);
        var clock = new FakeTimeProvider(now);
        var yesterday = DateOnly.FromDateTime(PortalTime.ToTokyo(now.UtcDateTime)).AddDays(-1);
        var noonUtc = TimeZoneInfo.ConvertTimeToUtc(yesterday.ToDateTime(new TimeOnly(12, 0)), PortalTime.Tokyo);
        var ip = $"203.0.113.{40 + hour}";
        var lines = string.Join('\n', Enumerable.Range(0, 5).Select(n =>
            $$"""{"at":"{{noonUtc.AddMinutes(n):O}}","recipient":"c{{n}}@outlook.jp","source_ip":"{{ip}}","reply_code":550,"status":"5.7.1","reply":"550 5.7.1 Unfortunately, messages from [{{ip}}] weren't sent. (S3150)","outcome":"rejected"}"""));
        await factory.Service<SendLogIngestor>().IngestStreamAsync("jsonl", new MemoryStream(Encoding.UTF8.GetBytes(lines + "\n")), $"clock-{hour}", year, default);
        var reports = new DailyReportService(factory.Service<IDbContextFactory<PortalDbContext>>(), factory.Service<Features.Alerts.AlertService>(), clock);

        var report = await reports.BuildAndSendAsync(default);

        Assert.Equal(yesterday, report.Day);
        var row = Assert.Single(report.Rows, r => r.SourceIp == ip);
        Assert.Equal((5, 5), (row.Attempts, row.IpBlocked));
    }
}
