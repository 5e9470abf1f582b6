using Microsoft.Playwright;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Browser;

/// <summary>Support staff send a test release through the sandbox and run the traffic generator.</summary>
[Trait("Category", "Browser")]
public sealed class TestSendBrowserTests(BrowserPortal browser) : IClassFixture<BrowserPortal>
{
    /// <summary>The open test-class incident holding the IP's Outlook.com cell, once the detector has opened it.</summary>
    private async Task<int> TestIncidentOfAsync(string ip)
    {
        var factory = browser.Portal.Service<Microsoft.EntityFrameworkCore.IDbContextFactory<PrPortal.Data.PortalDbContext>>();
        var until = DateTime.UtcNow.AddSeconds(45);
        while (true)
        {
            await using (var db = await factory.CreateDbContextAsync())
            {
                var id = db.IncidentCells.Where(c => c.SourceIp == ip && c.ProviderId == "microsoft-consumer")
                    .Join(db.Incidents, c => c.IncidentId, i => i.Id, (c, i) => i)
                    .Where(i => i.Class == PrPortal.Data.Entities.IncidentClass.Test && i.Status == PrPortal.Data.Entities.IncidentStatus.Open)
                    .Select(i => (int?)i.Id).FirstOrDefault();
                if (id is { } found)
                {
                    return found;
                }
            }
            Assert.True(DateTime.UtcNow < until, $"no open test incident holds {ip} within 45 s");
            await Task.Delay(250);
        }
    }

    private async Task ShipYesterdaysLogAsync()
    {
        var tokyoNoon = PrPortal.Components.Shared.PortalTime.ToTokyo(DateTime.UtcNow).Date.AddDays(-1).AddHours(12);
        var noonUtc = TimeZoneInfo.ConvertTimeToUtc(tokyoNoon, PrPortal.Components.Shared.PortalTime.Tokyo);
        var lines = Enumerable.Range(0, 40).Select(n => n % 2 == 0
            ? $$"""{"at":"{{noonUtc.AddSeconds(n):O}}","recipient":"y{{n}}@outlook.jp","source_ip":"203.0.113.11","reply_code":550,"status":"5.7.1","reply":"550 5.7.1 Unfortunately, messages from [203.0.113.11] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).","outcome":"rejected"}"""
            : $$"""{"at":"{{noonUtc.AddSeconds(n):O}}","recipient":"y{{n}}@gmail.com","source_ip":"203.0.113.11","reply_code":250,"reply":"250 2.0.0 OK","outcome":"accepted"}""");
        var log = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
        await browser.Portal.Service<PrPortal.Features.SendLog.SendLogIngestor>().IngestStreamAsync("jsonl", log, "mta-yesterday", noonUtc.Year, default);
    }

    [Fact]
    public async Task A_test_send_from_a_blocked_ip_shows_microsofts_refusal_and_traffic_runs_with_progress()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/delivery/test");
        await BrowserPortal.SignInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await page.WaitForURLAsync("**/delivery/test");
        await BrowserPortal.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("#sandbox-status")).ToContainTextAsync("サンドボックス稼働中");

        await page.FillAsync("textarea#test-recipients", "tanaka@outlook.jp\nsato@outlook.jp\nito@outlook.jp\nyuki@gmail.com");
        await page.Locator(".mud-input-control.mud-select", new() { Has = page.Locator("#test-ip") }).ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "203.0.113.10 (127.0.1.1)" }).ClickAsync();
        await page.ClickAsync("#test-send");

        var results = page.Locator("#test-results");
        await Assertions.Expect(results).ToContainTextAsync("(S3150)");
        await Assertions.Expect(results.Locator("tr", new() { HasText = "tanaka@outlook.jp" })).ToContainTextAsync("拒否");
        await Assertions.Expect(results.Locator("tr", new() { HasText = "yuki@gmail.com" })).ToContainTextAsync("受理");
        await BrowserPortal.ScreenshotAsync(page, "07-test-send-ja");

        await page.Locator("label:has-text('通数') + div input, .mud-input-control:has(label:has-text('通数')) input").First.FillAsync("60");
        await page.Locator(".mud-input-control:has(label:has-text('毎秒の通数')) input").FillAsync("200");
        await page.ClickAsync("#traffic-start");
        await Assertions.Expect(page.Locator("#traffic-counts")).ToContainTextAsync("送信済み 60 / 60", new() { Timeout = 30_000 });
        await BrowserPortal.ScreenshotAsync(page, "08-traffic-ja");

        // Three Outlook.com recipients refused with S3150 from one IP: the test send's own incident is open
        // already, marked as a test send (the generated traffic's live incidents are listed beside it).
        // (The generated traffic may open test incidents of its own at other IPs: the one to look at holds 203.0.113.10.)
        var incidentId = await TestIncidentOfAsync("203.0.113.10");
        await page.ClickAsync("#nav-menu >> text=インシデント");
        var row = page.Locator("#incidents-table tbody tr", new() { HasText = "Outlook.com" })
            .Filter(new() { Has = page.Locator($"a[href='/incidents/{incidentId}']") });
        await Assertions.Expect(row.Locator(".incident-class")).ToContainTextAsync("テスト送信");
        await Assertions.Expect(row).ToContainTextAsync("対応中", new() { Timeout = 20_000 });
        await BrowserPortal.ScreenshotAsync(page, "09-incidents-ja");
        await row.Locator("a").First.ClickAsync();
        await Assertions.Expect(page.Locator("#incident-cells")).ToContainTextAsync("203.0.113.10");
        // Staff can check the rule that read the evidence.
        await Assertions.Expect(page.Locator("#incident-cells .reply-why").First).ToContainTextAsync("判定根拠: blocked");
        await Assertions.Expect(page.Locator("#incident-timeline")).ToContainTextAsync("(S3150)");
        await Assertions.Expect(page.Locator("#incident-timeline")).ToContainTextAsync("インシデント発生");
        await BrowserPortal.ScreenshotAsync(page, "10-incident-detail-ja");

        // Yesterday's (Asia/Tokyo) send log reached the portal; support runs the daily report by hand and
        // the overview then shows yesterday's anomalies, whatever the hour of this run.
        await ShipYesterdaysLogAsync();
        await page.ClickAsync("#nav-menu >> text=スケジュールジョブ");
        await BrowserPortal.WaitForCircuitAsync(page);
        await page.Locator("#jobs-table tr.job-daily-report").Locator(".run-now").ClickAsync();
        await Assertions.Expect(page.Locator("#jobs-table tr.job-daily-report")).ToContainTextAsync("成功", new() { Timeout = 20_000 });
        // "Run now" says what happened; schedules read in words; a job without its settings says so.
        await Assertions.Expect(page.Locator(".mud-snackbar", new() { HasText = "日次レポート が完了しました" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#jobs-table tr.job-daily-report .job-schedule")).ToHaveTextAsync("毎日 9:00");
        await Assertions.Expect(page.Locator("#jobs-table tr.job-blocklist-check .job-schedule")).ToHaveTextAsync("毎時 5 分");
        await Assertions.Expect(page.Locator("#jobs-table tr.job-bounce-mailbox .job-not-configured")).ToHaveTextAsync("未設定");
        await BrowserPortal.ScreenshotAsync(page, "11-jobs-ja");
        await page.ClickAsync("#nav-menu >> text=概要");
        await Assertions.Expect(page.Locator("#daily-report")).ToContainTextAsync("日次レポート");
        await Assertions.Expect(page.Locator("#daily-report")).ToContainTextAsync("Microsoft");
        await BrowserPortal.ScreenshotAsync(page, "12-overview-report-ja");
        // The day's report stays readable after the day, with the history beside it.
        await page.ClickAsync("#daily-report-open");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex(@"/reports/daily/\d{4}-\d\d-\d\d$"));
        await Assertions.Expect(page.Locator("#daily-history tbody tr").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#daily-report-detail")).ToContainTextAsync("日次レポート");
        await Assertions.Expect(page.Locator("#daily-rows tbody tr").First).ToBeVisibleAsync();
        await BrowserPortal.ScreenshotAsync(page, "12b-daily-reports-ja");

        // The same pages in English.
        await page.GotoAsync("/account/culture?culture=en-US&returnUrl=%2Fjobs");
        await Assertions.Expect(page.Locator("#page-title")).ToHaveTextAsync("Scheduled jobs");
        await Assertions.Expect(page.Locator("#jobs-table")).ToContainTextAsync("Succeeded");
        await BrowserPortal.ScreenshotAsync(page, "13-jobs-en");
        await page.GotoAsync("/incidents");
        await Assertions.Expect(page.Locator("#incidents-table")).ToContainTextAsync("Open");
        await BrowserPortal.ScreenshotAsync(page, "14-incidents-en");
        await page.Locator("#incidents-table tr a").First.ClickAsync();
        await Assertions.Expect(page.Locator("#incident-timeline")).ToContainTextAsync("Incident opened");
        await BrowserPortal.ScreenshotAsync(page, "14b-incident-detail-en");
        await page.GotoAsync("/delivery/test");
        await Assertions.Expect(page.Locator("#sandbox-status")).ToContainTextAsync("Sandbox running");
        await BrowserPortal.ScreenshotAsync(page, "15-test-send-en");
    }
}
