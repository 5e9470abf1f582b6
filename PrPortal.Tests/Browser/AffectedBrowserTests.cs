using System.Text.RegularExpressions;
using Microsoft.Playwright;
using PrPortal.Features.Providers;
using PrPortal.Sandbox;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Browser;

/// <summary>
/// An account manager's afternoon after an incident: the affected report, the company's consent recorded,
/// a one-click resend confirmed with its counts and notice, and the batch running to the end.
/// </summary>
[Trait("Category", "Browser")]
public sealed class AffectedBrowserTests(BrowserPortal browser) : IClassFixture<BrowserPortal>
{
    [Fact]
    public async Task Report_consent_and_a_one_click_resend_in_the_browser()
    {
        // The demo's Microsoft blocks are lifted at the simulators, as after delisting.
        var world = browser.Portal.Service<SandboxWorld>();
        world.Simulator(MailboxProviderCatalog.MicrosoftConsumer).Rules.UnblockAll();
        world.Simulator(MailboxProviderCatalog.Microsoft365).Rules.UnblockAll();
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/account/culture?culture=ja-JP&returnUrl=%2Freports");
        await BrowserPortal.SignInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await page.WaitForURLAsync("**/reports");
        await BrowserPortal.WaitForCircuitAsync(page);

        await Assertions.Expect(page.Locator("#page-title")).ToHaveTextAsync("影響レポート");
        await Assertions.Expect(page.Locator("#category-table tbody tr")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("#category-table tbody tr").First).ToContainTextAsync("メディアユーザー");
        await Assertions.Expect(page.Locator("#category-table tr.total-row")).ToContainTextAsync("合計");
        await Assertions.Expect(page.Locator("#days-chart")).ToBeVisibleAsync();
        // The bars are drawn with the page, on an axis that follows the counts (about five ticks, not a floor of 20 a tick).
        Assert.True(await page.Locator("#days-chart path.mud-chart-bar").CountAsync() > 0);
        var ticks = await page.Locator("#days-chart .mud-charts-yaxis text").AllInnerTextsAsync();
        Assert.InRange(ticks.Count, 3, 11);
        await Assertions.Expect(page.Locator("#csv-companies")).ToHaveAttributeAsync("href", new Regex(@"^/reports/affected\.csv\?table=companies&from="));
        await BrowserPortal.ScreenshotAsync(page, "27-report-ja");
        // At 1366 px the company table's contact and resend buttons are on screen, not scrolled off.
        await BrowserPortal.AssertNotScrolledAsync(page, "#company-table .mud-table-container");
        await BrowserPortal.AssertNotScrolledAsync(page, "#release-table .mud-table-container");

        // Consent: the first company agreed on the phone.
        var firstCompany = page.Locator("#company-table tbody tr").First;
        var company = (await firstCompany.Locator("td").First.Locator("div").First.InnerTextAsync()).Trim();
        await firstCompany.Locator(".contact-button").ClickAsync();
        await page.Locator(".mud-dialog .contact-status .mud-select-input").First.ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "再送に同意" }).ClickAsync();
        await page.Locator(".mud-dialog .contact-note textarea").First.FillAsync("11/28 電話で広報部の田中様が同意");
        await page.ClickAsync("#contact-save");
        await Assertions.Expect(firstCompany.Locator(".contact-chip")).ToHaveTextAsync("再送に同意");
        await Assertions.Expect(firstCompany).ToContainTextAsync("田中様が同意");

        // One click: the confirmation shows the counts by category and the notice as it will read.
        await firstCompany.Locator(".resend-button").ClickAsync();
        await Assertions.Expect(page.Locator("#resend-total")).ToHaveTextAsync(new Regex(@"^[1-9][\d,]*$"));
        await Assertions.Expect(page.Locator("#resend-preview")).ToContainTextAsync("このプレスリリースは遅れてお届けしています。");
        await Assertions.Expect(page.Locator("#resend-preview")).ToContainTextAsync(company);
        await Assertions.Expect(page.Locator("#resend-no-consent")).ToHaveCountAsync(0);
        await page.Locator(".mud-dialog .resend-consent input").First.FillAsync("11/28 電話 田中様");
        var total = int.Parse((await page.Locator("#resend-total").InnerTextAsync()).Replace(",", ""));
        // The releases' links are checked before the batch may go; dangerous ones need an explicit yes.
        await Assertions.Expect(page.Locator("#resend-links-verdict")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await BrowserPortal.ScreenshotAsync(page, "28-resend-confirm-ja");
        if (await page.Locator(".resend-send-anyway").CountAsync() > 0)
        {
            await Assertions.Expect(page.Locator("#resend-confirm")).ToBeDisabledAsync();
            // The reason stands beside the button.
            await Assertions.Expect(page.Locator("#resend-disabled-reason")).ToContainTextAsync("それでも送る");
            await page.Locator(".resend-send-anyway input").ClickAsync();
            await Assertions.Expect(page.Locator("#resend-disabled-reason")).ToHaveCountAsync(0);
        }
        await page.ClickAsync("#resend-confirm");

        // The batch page: live progress until every mail is sent.
        await page.WaitForURLAsync("**/resend?batch=*");
        var row = page.Locator("#batch-table tbody tr").First;
        await Assertions.Expect(row.Locator(".batch-state")).ToHaveTextAsync("完了", new() { Timeout = 60_000 });
        await Assertions.Expect(row.Locator(".batch-counts")).ToContainTextAsync($"送信済み {total} / {total}");
        await Assertions.Expect(row).ToContainTextAsync("11/28 電話 田中様");
        await BrowserPortal.ScreenshotAsync(page, "29-resend-ja");
        var received = new[] { MailboxProviderCatalog.MicrosoftConsumer, MailboxProviderCatalog.Microsoft365 }
            .Sum(p => world.Simulator(p).Received.Count(m => m.MessageId?.StartsWith("<resend.") == true));
        Assert.Equal(total, received);

        // The batch's own page lists every item with its last reply.
        await row.Locator(".batch-link").ClickAsync();
        await page.WaitForURLAsync("**/resend/*");
        await Assertions.Expect(page.Locator("#batch-items tbody tr")).ToHaveCountAsync(Math.Min(total, 50));
        await Assertions.Expect(page.Locator("#batch-items tbody tr").First.Locator(".item-state")).ToHaveTextAsync("送信済み");
        await Assertions.Expect(page.Locator("#batch-items")).ToContainTextAsync("250");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotFolder, "29c-resend-batch-ja.png") });
        var batchPath = new Uri(page.Url).AbsolutePath;
        await page.GotoAsync($"/account/culture?culture=en-US&returnUrl={Uri.EscapeDataString(batchPath)}");
        await Assertions.Expect(page.Locator("#page-title")).ToContainTextAsync("Resend batch #");
        await Assertions.Expect(page.Locator("#batch-items tbody tr").First.Locator(".item-state")).ToHaveTextAsync("Sent");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotFolder, "29d-resend-batch-en.png") });
        await page.GotoAsync($"/account/culture?culture=ja-JP&returnUrl=%2Fresend");
        await BrowserPortal.WaitForCircuitAsync(page);

        // A broken notice template is refused with the reason, nothing saved.
        await page.Locator(".template-html textarea").First.FillAsync("<p>{sent_at} <b>遅延</p>");
        await page.ClickAsync("#template-save");
        await Assertions.Expect(page.Locator("#template-errors")).ToContainTextAsync("不明な差し込み {sent_at}");
        await Assertions.Expect(page.Locator("#template-errors")).ToContainTextAsync("<b> が閉じられていません");

        // The resend page in English.
        await page.GotoAsync("/account/culture?culture=en-US&returnUrl=%2Fresend");
        await BrowserPortal.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("#batch-table tbody tr").First.Locator(".batch-state")).ToHaveTextAsync("Completed");
        await Assertions.Expect(page.Locator("#batch-table tbody tr").First.Locator(".batch-counts")).ToContainTextAsync($"sent {total} of {total}");
        await BrowserPortal.ScreenshotAsync(page, "29b-resend-en");

        // The report in English, with the company now resent.
        await page.GotoAsync("/account/culture?culture=en-US&returnUrl=%2Freports");
        await BrowserPortal.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("#page-title")).ToHaveTextAsync("Affected reports");
        await Assertions.Expect(page.Locator("#category-table tbody tr").First).ToContainTextAsync("Media users");
        await BrowserPortal.ScreenshotAsync(page, "30-report-en");
    }
}
