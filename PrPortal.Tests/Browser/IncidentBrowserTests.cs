using System.Text.RegularExpressions;
using Microsoft.Playwright;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Browser;

/// <summary>
/// Support's morning check on the demo's incident: the blocked IPs per provider as a small grid with the
/// evidence once, the timeline folded, and the incident acknowledged, taken over and noted from its page.
/// </summary>
[Trait("Category", "Browser")]
public sealed class IncidentBrowserTests(StoryBrowserPortal browser) : IClassFixture<StoryBrowserPortal>
{
    [Fact]
    public async Task Support_acknowledges_takes_over_and_notes_the_incident()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/account/login");
        await BrowserPortal.SignInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await page.WaitForURLAsync(url => !url.Contains("/account/login"));
        await page.GotoAsync("/account/culture?culture=ja-JP&returnUrl=%2Fincidents");
        await BrowserPortal.WaitForCircuitAsync(page);
        await page.Locator("#incidents-table tr a").First.ClickAsync();
        await page.WaitForURLAsync(new Regex(@"/incidents/\d+$"));
        await BrowserPortal.WaitForCircuitAsync(page);

        // One box per provider, its IPs as chips (blocked in red), and one typical reply.
        var groups = page.Locator("#incident-cells .incident-provider");
        await Assertions.Expect(groups.First).ToBeVisibleAsync();
        await Assertions.Expect(groups.First.Locator(".incident-ip-blocked").First).ToBeVisibleAsync();
        await Assertions.Expect(groups.First.Locator(".reply-text")).ToHaveCountAsync(1);
        // Runs of joins and exclusions fold into one entry each: far fewer entries than events.
        var items = await page.Locator("#incident-timeline .mud-timeline-item").CountAsync();
        var cells = await page.Locator("#incident-cells .incident-ip").CountAsync();
        Assert.True(items < cells, $"{items} timeline entries for {cells} cells");
        await Assertions.Expect(page.Locator("#incident-acknowledged")).ToHaveTextAsync("未確認");
        await Assertions.Expect(page.Locator("#incident-report")).ToHaveAttributeAsync("href", new Regex(@"^/reports\?incident=\d+$"));

        await page.ClickAsync("#incident-acknowledge");
        await Assertions.Expect(page.Locator("#incident-acknowledged")).ToContainTextAsync($"{PortalFactory.AdminEmail} が");
        await page.ClickAsync("#incident-take");
        await Assertions.Expect(page.Locator("#incident-assignee")).ToContainTextAsync($"担当: {PortalFactory.AdminEmail}");
        await page.Locator("#incident-note").FillAsync("SNDS の解除申請を提出済み");
        await page.ClickAsync("#incident-add-note");
        await Assertions.Expect(page.Locator("#incident-timeline")).ToContainTextAsync("SNDS の解除申請を提出済み");
        await Assertions.Expect(page.Locator("#incident-timeline")).ToContainTextAsync("のメモ");
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await BrowserPortal.ScreenshotAsync(page, "61-incident-actions-ja");

        // Tell the affected recipients: the media only, from the template, a batch of its own.
        await page.ClickAsync("#incident-notice");
        await Assertions.Expect(page.Locator("#notice-count")).ToContainTextAsync("送信先");
        await page.Locator(".notice-category input").Nth(1).ClickAsync();
        await page.Locator(".notice-category input").Nth(2).ClickAsync();
        await page.Locator(".notice-category input").Nth(3).ClickAsync();
        await Assertions.Expect(page.Locator("#notice-body")).ToHaveValueAsync(new Regex(@"\{releases\}"));
        await BrowserPortal.ScreenshotAsync(page, "68-notice-dialog-ja");
        await page.ClickAsync("#notice-create");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"/resend/\d+$"), new() { Timeout = 30_000 });
        await BrowserPortal.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator(".batch-kind")).ToHaveTextAsync("受信者へのお知らせ");
        await Assertions.Expect(page.Locator("#batch-items tbody tr").First).ToContainTextAsync("メディアユーザー");
        await BrowserPortal.ScreenshotAsync(page, "69-notice-batch-ja");
        await page.GoBackAsync();
        await BrowserPortal.WaitForCircuitAsync(page);

        // The same page in English, and on a wall screen.
        await page.GotoAsync($"/account/culture?culture=en-US&returnUrl={Uri.EscapeDataString(new Uri(page.Url).AbsolutePath)}");
        await BrowserPortal.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("#incident-acknowledged")).ToContainTextAsync("Acknowledged by");
        await BrowserPortal.ScreenshotAsync(page, "62-incident-actions-en");
        await page.SetViewportSizeAsync(3840, 2160);
        await BrowserPortal.ScreenshotAsync(page, "63-incident-wall-en");
    }
}
