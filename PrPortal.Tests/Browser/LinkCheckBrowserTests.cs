using Microsoft.Playwright;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Browser;

/// <summary>
/// Support staff check a release's links before it goes out: the sample pasted, each link's risk and
/// reasons, a shortener's chain opened, a file uploaded, one too large refused, and the page in English.
/// </summary>
[Trait("Category", "Browser")]
public sealed class LinkCheckBrowserTests(BrowserPortal browser) : IClassFixture<BrowserPortal>
{
    [Fact]
    public async Task Paste_check_open_a_chain_and_upload_in_the_browser()
    {
        var page = await browser.NewPageAsync(1366, 1100);
        await page.GotoAsync("/account/culture?culture=ja-JP&returnUrl=%2Flink-check");
        await BrowserPortal.SignInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await page.WaitForURLAsync("**/link-check");
        await BrowserPortal.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("#page-title")).ToHaveTextAsync("リンクチェック");

        await page.ClickAsync("#link-sample");
        await page.ClickAsync("#link-check-run");
        await Assertions.Expect(page.Locator("#link-verdict")).ToContainTextAsync("危険なリンクがあります", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator(".link-row")).ToHaveCountAsync(8);
        await Assertions.Expect(page.Locator(".risk-row-danger")).ToHaveCountAsync(4);
        await Assertions.Expect(page.Locator(".risk-row-danger").First).ToContainTextAsync("URIブロックリスト掲載");
        var shortener = page.Locator(".link-row", new() { HasTextString = "bit.ly" });
        await Assertions.Expect(shortener).ToContainTextAsync("短縮URL");
        // The reason's sentence is in the reader's language too, not only its chip.
        await Assertions.Expect(shortener.Locator(".link-detail")).ToContainTextAsync("は短縮 URL サービスで、");
        await Assertions.Expect(page.Locator(".risk-row-danger").First.Locator(".link-detail")).ToContainTextAsync("に掲載されています");
        await shortener.Locator(".chain-toggle").ClickAsync();
        await Assertions.Expect(page.Locator(".chain-table tr")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator(".chain-table tr").Nth(0)).ToContainTextAsync("301");
        await Assertions.Expect(page.Locator(".chain-table tr").Nth(2)).ToContainTextAsync("campaign.html");
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await BrowserPortal.ScreenshotAsync(page, "34-link-check-ja");

        // A file from disk: its name shows, its one link is fine.
        var file = TempFiles.NewPath("release", ".html");
        await File.WriteAllTextAsync(file, "<html><body><a href=\"mailto:pr@example.jp\">お問い合わせ</a></body></html>");
        await page.Locator(".link-upload input[type=file]").Last.SetInputFilesAsync(file);
        await Assertions.Expect(page.Locator("#link-file")).ToHaveTextAsync(Path.GetFileName(file));
        await page.ClickAsync("#link-check-run");
        await Assertions.Expect(page.Locator("#link-verdict")).ToContainTextAsync("すべてのリンクに問題はありません");

        // Too large: refused with the sizes, nothing checked.
        var large = TempFiles.NewPath("large", ".html");
        await File.WriteAllTextAsync(large, new string('x', 11 * 1024 * 1024));
        await page.Locator(".link-upload input[type=file]").Last.SetInputFilesAsync(large);
        await Assertions.Expect(page.Locator("#link-error")).ToContainTextAsync("11.0 MB");

        await page.GotoAsync("/account/culture?culture=en-US&returnUrl=%2Flink-check");
        await page.WaitForURLAsync("**/link-check");
        await BrowserPortal.WaitForCircuitAsync(page);
        await page.ClickAsync("#link-sample");
        await page.ClickAsync("#link-check-run");
        await Assertions.Expect(page.Locator("#link-verdict")).ToContainTextAsync("There are dangerous links", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator(".risk-row-danger").First).ToContainTextAsync("On a URI blocklist");
        await Assertions.Expect(page.Locator(".risk-row-danger").First.Locator(".link-detail")).ToContainTextAsync("is listed on");
        await BrowserPortal.ScreenshotAsync(page, "35-link-check-en");
    }
}
