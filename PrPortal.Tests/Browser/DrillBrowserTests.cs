using System.Text.RegularExpressions;
using Microsoft.Playwright;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Browser;

/// <summary>Support staff run a drill in the sandbox and watch the pool react: the block is seen, the IPs taken out and brought back.</summary>
[Trait("Category", "Browser")]
public sealed class DrillBrowserTests(BrowserPortal browser) : IClassFixture<BrowserPortal>
{
    // 45 seconds at 20 mails a second: Yahoo! JAPAN blocks eight IPs from the second wave (10 s) to the fourth (30 s).
    private const string ShortDrill = """
        {
          "name": "Yahoo! JAPAN blocks 8 IPs (short drill)",
          "start": "2026-01-01T00:00:00+09:00", "hours": 0.0125, "mails_per_hour": 72000, "seed": 1,
          "ips": { "primary": 48, "spare": 4 },
          "provider_mix": { "yahoo-jp": 0.6, "google": 0.4 },
          "category_mix": { "MediaUser": 1 },
          "blocks": [
            { "provider": "yahoo-jp", "ips": [5, 6, 7, 8, 9, 10, 11, 12], "from_hour": 0.001, "until_hour": 0.0075,
              "reply": "554 5.7.1 [{ip}] Connection refused: your IP is on our block list" }
          ]
        }
        """;

    [Fact]
    public async Task A_drill_shows_the_block_the_exclusion_and_the_revert_as_they_happen()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/account/culture?culture=ja-JP&returnUrl=%2Fdrill");
        await BrowserPortal.SignInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await page.WaitForURLAsync("**/drill");
        await BrowserPortal.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("#page-title")).ToHaveTextAsync("訓練");

        // A scenario that does not add up is refused, naming the field; nothing starts.
        await page.Locator("#drill-json").FillAsync(ShortDrill.Replace("\"google\": 0.4", "\"google\": 0.3"));
        await page.ClickAsync("#drill-start");
        await Assertions.Expect(page.Locator("#drill-error")).ToContainTextAsync("provider_mix: shares must add up to 1");
        await Assertions.Expect(page.Locator("#drill-steps")).ToHaveCountAsync(0);

        await page.Locator("#drill-json").FillAsync(ShortDrill);
        await page.ClickAsync("#drill-start");
        await Assertions.Expect(page.Locator("#drill-stop")).ToBeVisibleAsync();
        var yahoo = page.Locator("#drill-strip .drill-row[data-provider='yahoo-jp']");
        // The detector takes the blocked IPs out of Yahoo's pool: the squares turn striped while Google's stay in use.
        // (An IP that happened to get no Yahoo mail while blocked cannot be seen, so most, not all, are asked for.)
        await page.WaitForFunctionAsync("() => document.querySelectorAll(\"#drill-strip .drill-row[data-provider='yahoo-jp'] .routing-excluded\").length >= 3", null, new() { Timeout = 40_000 });
        await page.WaitForFunctionAsync("() => document.querySelectorAll(\"#drill-steps tr[data-kind='excluded']\").length >= 6", null, new() { Timeout = 40_000 });
        await Assertions.Expect(page.Locator("#drill-strip .drill-row[data-provider='google'] .routing-excluded")).ToHaveCountAsync(0);
        // Primaries 5 to 12 of the demo pool are 203.0.113.14 to .21.
        await Assertions.Expect(page.Locator("#drill-steps tr[data-kind='excluded']").First).ToContainTextAsync(new Regex(@"203\.0\.113\.(1[4-9]|2[01]) × Yahoo! JAPAN"));
        await BrowserPortal.ScreenshotAsync(page, "24-drill-ja");

        // The block is lifted at the provider; the recovery check's probes bring the IPs back; the drill ends.
        await Assertions.Expect(page.Locator("#drill-steps tr[data-kind='done']")).ToHaveCountAsync(1, new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("#drill-steps tr[data-kind='reverted']")).ToContainTextAsync("IPs back after probes");
        await Assertions.Expect(yahoo.Locator(".routing-excluded")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#drill-counts")).ToContainTextAsync(new Regex(@"拒否 [1-9]"));
        var excludedSteps = await page.Locator("#drill-steps tr[data-kind='excluded']").CountAsync();

        // The audit log tells who took the IPs out and who brought them back, and why.
        await page.GotoAsync("/audit");
        await Assertions.Expect(page.Locator("#page-title")).ToHaveTextAsync("監査ログ");
        await Assertions.Expect(page.Locator("#audit-table")).ToContainTextAsync("復帰（回復確認済み）");
        await BrowserPortal.ScreenshotAsync(page, "25-audit-ja");
        await page.GotoAsync("/account/culture?culture=en-US&returnUrl=%2Faudit");
        await Assertions.Expect(page.Locator("#page-title")).ToHaveTextAsync("Audit log");
        await page.Locator("#audit-filter").FillAsync("Yahoo");
        await Assertions.Expect(page.Locator("#audit-table tbody tr", new() { HasText = "Reverted (recovery confirmed)" }).First).ToBeVisibleAsync();
        var excluded = await page.Locator("#audit-table tbody tr", new() { HasText = "Detector" }).CountAsync();
        Assert.InRange(excluded, 6, 8);
        Assert.Equal(excluded, excludedSteps); // each exclusion told once on the drill page
        Assert.Equal(excluded, await page.Locator("#audit-table tbody tr", new() { HasText = "Reverted (recovery confirmed)" }).CountAsync());
        await Assertions.Expect(page.Locator("#audit-table")).ToContainTextAsync("probes accepted in a row");
        await BrowserPortal.ScreenshotAsync(page, "25b-audit-en");

        await page.GotoAsync("/drill");
        await Assertions.Expect(page.Locator("#page-title")).ToHaveTextAsync("Drill");
        await Assertions.Expect(page.Locator("#drill-steps tr[data-kind='done']")).ToHaveCountAsync(1);
        await BrowserPortal.ScreenshotAsync(page, "26-drill-en");
    }
}
