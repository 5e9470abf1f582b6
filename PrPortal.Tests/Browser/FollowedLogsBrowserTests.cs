using Microsoft.Playwright;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Browser;

/// <summary>The demo portal following three live logs: one it reads, one not there yet, one it cannot read (its IP map is broken).</summary>
public sealed class FollowingBrowserPortal() : BrowserPortal(new Dictionary<string, string>
{
    ["SendLog:Follow:0:Path"] = Readable,
    ["SendLog:Follow:0:Format"] = "jsonl",
    ["SendLog:Follow:0:FromStart"] = "true",
    ["SendLog:Follow:1:Path"] = Missing,
    ["SendLog:Follow:1:Format"] = "postfix",
    ["SendLog:Follow:2:Path"] = Readable,
    ["SendLog:Follow:2:Format"] = "postfix",
    ["SendLog:Follow:2:IpMapFile"] = BrokenIpMap,
})
{
    private static readonly string Folder = Directory.CreateTempSubdirectory("prportal-follow-ui-").FullName;
    public static readonly string Readable = WriteLog(Path.Combine(Folder, "delivery.jsonl"));
    public static readonly string Missing = Path.Combine(Folder, "maillog");
    public static readonly string BrokenIpMap = WriteBrokenMap(Path.Combine(Folder, "ip-map"));

    private static string WriteBrokenMap(string path)
    {
        File.WriteAllText(path, "postfix-ip01 not-an-address\n");
        return path;
    }

    private static string WriteLog(string path)
    {
        File.WriteAllLines(path, Enumerable.Range(0, 20).Select(n =>
            $$"""{"at":"{{DateTime.UtcNow.AddMinutes(-n):O}}","recipient":"f{{n}}@gmail.com","source_ip":"203.0.113.50","reply_code":250,"reply":"250 2.0.0 OK","outcome":"accepted"}"""));
        return path;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }
}

/// <summary>Support staff see on the jobs page how far each followed log is read, and which one fails.</summary>
[Trait("Category", "Browser")]
public sealed class FollowedLogsBrowserTests(FollowingBrowserPortal browser) : IClassFixture<FollowingBrowserPortal>
{
    [Fact]
    public async Task The_jobs_page_shows_each_followed_log_with_its_position_and_a_failing_one_with_its_error()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/jobs");
        await BrowserPortal.SignInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await page.WaitForURLAsync("**/jobs");

        var table = page.Locator("#followed-logs");
        // The follower polls every two seconds: reload until both logs have been tried.
        for (var i = 0; i < 20 && !(await table.CountAsync() > 0 && (await table.InnerTextAsync()).Contains("読み取り失敗")); i++)
        {
            await Task.Delay(500);
            await page.ReloadAsync();
        }
        await BrowserPortal.WaitForCircuitAsync(page);
        var readable = table.Locator("tr", new() { HasText = "jsonl" }).Filter(new() { HasText = "正常" });
        await Assertions.Expect(readable).ToContainTextAsync("正常");
        await Assertions.Expect(readable).ToContainTextAsync("20 行");
        await Assertions.Expect(table.Locator("tr", new() { HasText = "maillog" })).ToContainTextAsync("ファイルがありません");
        var failing = table.Locator("tr", new() { HasText = "読み取り失敗" });
        await Assertions.Expect(failing).ToContainTextAsync("expected 'TRANSPORT IP'");
        await BrowserPortal.ScreenshotAsync(page, "36-followed-logs-ja");

        using var http = new HttpClient { BaseAddress = new Uri(browser.BaseUrl) };
        var health = await http.GetStringAsync("/healthz");
        Assert.Contains("Degraded", health, StringComparison.OrdinalIgnoreCase);

        await page.GotoAsync("/account/culture?culture=en-US&returnUrl=%2Fjobs");
        await Assertions.Expect(page.Locator("#followed-logs")).ToContainTextAsync("Cannot be read");
        await Assertions.Expect(page.Locator("#followed-logs")).ToContainTextAsync("20 lines");
        await BrowserPortal.ScreenshotAsync(page, "37-followed-logs-en");
    }
}
