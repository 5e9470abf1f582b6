using Microsoft.Playwright;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Browser;

/// <summary>Support staff check the blocklists, read the listing history and record a delisting request.</summary>
[Trait("Category", "Browser")]
public sealed class BlocklistsBrowserTests(BrowserPortal browser) : IClassFixture<BrowserPortal>
{
    [Fact]
    public async Task The_demo_listings_show_as_a_timeline_and_table_and_a_delisting_request_is_recorded()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/blocklists");
        await BrowserPortal.SignInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await page.WaitForURLAsync("**/blocklists");
        await BrowserPortal.WaitForCircuitAsync(page);

        await page.ClickAsync("#check-now");
        await Assertions.Expect(page.Locator("#check-message")).ToContainTextAsync("チェックが完了しました", new() { Timeout = 20_000 });
        var spamcop = page.Locator("#listings tr", new() { HasText = "203.0.113.10" });
        await Assertions.Expect(spamcop).ToContainTextAsync("SpamCop");
        await Assertions.Expect(spamcop).ToContainTextAsync("掲載中");
        await Assertions.Expect(page.Locator("#listings")).ToContainTextAsync("Barracuda");
        await Assertions.Expect(page.Locator("#listing-timeline")).ToContainTextAsync("203.0.113.11");
        await Assertions.Expect(page.Locator("#zones")).ToContainTextAsync("Spamhaus ZEN");
        await BrowserPortal.ScreenshotAsync(page, "16-blocklists-ja");

        await spamcop.Locator(".request-delisting").ClickAsync();
        await page.Locator("#request-where").FillAsync("https://www.spamcop.net/bl.shtml");
        await page.Locator("#request-note").FillAsync("送信元の苦情対応を完了したため");
        await page.ClickAsync("#request-save");
        await Assertions.Expect(spamcop).ToContainTextAsync("申請中");
        await Assertions.Expect(spamcop).ToContainTextAsync(PortalFactory.AdminEmail);

        await page.Locator("#listing-search").FillAsync("Barracuda");
        await Assertions.Expect(page.Locator("#listings tbody tr")).ToHaveCountAsync(1);

        await page.GotoAsync("/account/culture?culture=en-US&returnUrl=%2Fblocklists");
        await Assertions.Expect(page.Locator("#page-title")).ToHaveTextAsync("Blocklist history");
        await Assertions.Expect(page.Locator("#listings")).ToContainTextAsync("Requested");
        await BrowserPortal.ScreenshotAsync(page, "17-blocklists-en");

        // The export is the same table as CSV, for the signed-in user only.
        var csv = await page.APIRequest.GetAsync("/blocklists/history.csv");
        Assert.Equal(200, csv.Status);
        var text = await csv.TextAsync();
        Assert.StartsWith("\uFEFFip,role,list,kind,codes,reason,first_seen_utc", text);
        Assert.Contains("203.0.113.10,Primary,SpamCop,dnsbl,127.0.0.2", text);
        Assert.Contains("https://www.spamcop.net/bl.shtml (Requested", text);
        using var anonymous = new HttpClient { BaseAddress = new Uri(browser.BaseUrl) };
        var refused = await anonymous.GetAsync("/blocklists/history.csv");
        Assert.DoesNotContain("203.0.113.10", await refused.Content.ReadAsStringAsync());
    }
}
