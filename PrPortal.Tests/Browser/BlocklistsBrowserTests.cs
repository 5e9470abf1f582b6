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
        var spamcop = page.Locator("#listings tr", new() { HasText = "203.0.113.10" }).Filter(new() { HasText = "SpamCop" });
        await Assertions.Expect(spamcop).ToContainTextAsync("SpamCop");
        await Assertions.Expect(spamcop).ToContainTextAsync("掲載中");
        await Assertions.Expect(page.Locator("#listings")).ToContainTextAsync("Barracuda");
        await Assertions.Expect(page.Locator("#listing-timeline")).ToContainTextAsync("203.0.113.11");
        // The timeline has a date axis: seven ticks over sixty days (Tokyo dates).
        await Assertions.Expect(page.Locator("#timeline-axis .timeline-tick")).ToHaveCountAsync(7);
        await Assertions.Expect(page.Locator("#timeline-axis .timeline-tick").Last).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d\d/\d\d$"));
        await Assertions.Expect(page.Locator("#zones")).ToContainTextAsync("Spamhaus ZEN");
        await BrowserPortal.ScreenshotAsync(page, "16-blocklists-ja");
        // At 1366 px the whole table shows: the delisting actions are not scrolled off to the right.
        await BrowserPortal.AssertNotScrolledAsync(page, "#listings .mud-table-container");

        await spamcop.Locator(".request-delisting").ClickAsync();
        await page.Locator("#request-where").FillAsync("https://www.spamcop.net/bl.shtml");
        await page.Locator("#request-note").FillAsync("送信元の苦情対応を完了したため");
        await page.ClickAsync("#request-save");
        await Assertions.Expect(spamcop).ToContainTextAsync("申請中");
        await Assertions.Expect(spamcop).ToContainTextAsync(PortalFactory.AdminEmail);

        await spamcop.Locator(".request-granted").ClickAsync();
        await page.Locator("#status-note").FillAsync("SpamCop の自動解除を確認");
        await page.ClickAsync("#status-save");
        await Assertions.Expect(spamcop.Locator(".request-status")).ToHaveTextAsync("解除済み");

        // Admin adds a zone: a bad answer code is refused in the dialog, naming the field; fixed, the zone is there.
        await page.ClickAsync("#add-zone");
        await page.Locator("#zone-name").FillAsync("Spamhaus DQS");
        await page.Locator("#zone-domain").FillAsync("abc123key.zen.dq.spamhaus.net");
        await page.Locator("#zone-listing-codes").FillAsync("SBL");
        await page.ClickAsync("#zone-save");
        await Assertions.Expect(page.Locator("#zone-error")).ToContainTextAsync("Listing codes: 'SBL' is not an IPv4 answer code");
        await page.Locator("#zone-listing-codes").FillAsync("127.0.0.2=SBL;127.0.0.3=CSS;127.0.0.4=XBL");
        await BrowserPortal.ScreenshotAsync(page, "22-zone-edit-ja");
        await page.ClickAsync("#zone-save");
        await Assertions.Expect(page.Locator("[data-zone='abc123key.zen.dq.spamhaus.net']")).ToContainTextAsync("Spamhaus DQS");
        await Assertions.Expect(page.Locator("[data-zone='abc123key.zen.dq.spamhaus.net']")).ToContainTextAsync("未チェック");

        await page.Locator("#listing-search").FillAsync("Barracuda");
        await Assertions.Expect(page.Locator("#listings tbody tr")).ToHaveCountAsync(1);

        await page.GotoAsync("/account/culture?culture=en-US&returnUrl=%2Fblocklists");
        await Assertions.Expect(page.Locator("#page-title")).ToHaveTextAsync("Blocklist history");
        await Assertions.Expect(page.Locator("#listings")).ToContainTextAsync("Granted");
        await BrowserPortal.ScreenshotAsync(page, "17-blocklists-en");
        await BrowserPortal.AssertNotScrolledAsync(page, "#listings .mud-table-container"); // with a recorded request in it too

        // The export is the same table as CSV, for the signed-in user only.
        var csv = await page.APIRequest.GetAsync("/blocklists/history.csv");
        Assert.Equal(200, csv.Status);
        var text = await csv.TextAsync();
        Assert.StartsWith("\uFEFFip,role,list,kind,codes,reason,first_seen,last_seen", text);
        Assert.Matches(@"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00", text);
        Assert.Contains("203.0.113.10,Primary,SpamCop,dnsbl,127.0.0.2", text);
        Assert.Contains("https://www.spamcop.net/bl.shtml (Granted", text);
        using var anonymous = new HttpClient { BaseAddress = new Uri(browser.BaseUrl) };
        var refused = await anonymous.GetAsync("/blocklists/history.csv");
        Assert.DoesNotContain("203.0.113.10", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Microsofts_snds_status_shows_the_blocked_ips_and_an_import_now_adds_them_to_the_listings()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/account/culture?culture=ja-JP&returnUrl=%2Fblocklists");
        await BrowserPortal.SignInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await page.WaitForURLAsync("**/blocklists");
        await BrowserPortal.WaitForCircuitAsync(page);

        await page.ClickAsync("#snds-import-now");
        await Assertions.Expect(page.Locator("#snds-last")).ToContainTextAsync("取り込み済み", new() { Timeout = 30_000 });
        // The sandbox's Microsoft blocks the reference incident's IPs: SNDS reports them blocked and RED.
        var blocked = browser.Portal.Service<PrPortal.Sandbox.SandboxWorld>().Simulator(PrPortal.Features.Providers.MailboxProviderCatalog.MicrosoftConsumer).Rules.BlockedIps.Count;
        Assert.True(blocked > 0);
        await Assertions.Expect(page.Locator("#snds-counts")).ToContainTextAsync($"ブロック {blocked}");
        await Assertions.Expect(page.Locator("#snds-table tbody tr").First).ToContainTextAsync("ブロック中");
        await Assertions.Expect(page.Locator("#snds-table tbody tr").First).ToContainTextAsync("RED");
        await page.Locator("#listing-search").FillAsync("Microsoft SNDS");
        await Assertions.Expect(page.Locator("#listings")).ToContainTextAsync("blocked,RED");
        await page.Locator("#snds").ScrollIntoViewIfNeededAsync();
        await BrowserPortal.ScreenshotAsync(page, "21-snds-ja");

        var jobs = await browser.Portal.Service<PrPortal.Features.Jobs.JobsService>().ListAsync(default);
        Assert.Equal(true, jobs.Single(j => j.Name == "snds-import").LastSucceeded);
    }

    [Fact]
    public async Task The_ip_pool_grid_shows_every_ip_by_provider_with_its_listings_and_a_cell_opens_its_detail()
    {
        await browser.Portal.Service<PrPortal.Features.Blocklists.BlocklistService>().CheckNowAsync(default);
        await browser.Portal.Service<PrPortal.Features.Blocklists.Snds.SndsImporter>().ImportAsync(null, default);
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/");
        await BrowserPortal.SignInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
        await page.GotoAsync("/account/culture?culture=ja-JP&returnUrl=%2F");
        await BrowserPortal.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("#page-title")).ToHaveTextAsync("IPプールの健全性"); // the home page
        var grid = page.Locator("#pool-grid");
        var first = grid.Locator("tr[data-ip='203.0.113.10']");
        var outlook = first.Locator("td.pool-cell[data-provider='microsoft-consumer']");
        var before = await outlook.InnerTextAsync();

        // Mail from the first incident IP to Outlook.com now: the sandbox refuses it with S3150, and the open
        // page redraws by itself (its timer is a minute; the push comes at once).
        await CustomerMail.SendAsync(browser.Portal.Services, "203.0.113.10", "a@outlook.jp", "b@hotmail.com", "c@outlook.com");
        await Assertions.Expect(outlook).Not.ToHaveTextAsync(before);

        await Assertions.Expect(grid.Locator("tbody tr")).ToHaveCountAsync(52); // 48 primary + 4 spare
        await Assertions.Expect(first.Locator(".listing-badge", new() { HasText = "SpamCop" })).ToBeVisibleAsync();
        await Assertions.Expect(first.Locator(".listing-badge", new() { HasText = "Microsoft SNDS" })).ToBeVisibleAsync();
        // Names that fit the narrow columns; the full name on hover.
        await Assertions.Expect(grid.Locator("thead")).ToContainTextAsync("Outlook.com");
        await Assertions.Expect(grid.Locator("thead th.pool-provider").First).ToHaveAttributeAsync("title", "Microsoft（Outlook.com）");
        await Assertions.Expect(outlook).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("blocked"));
        await BrowserPortal.ScreenshotAsync(page, "18-ip-pool-ja");

        // Three S3150 refusals are a block: the detector took the IP out of Outlook.com's pool by itself,
        // and only there.
        await Assertions.Expect(outlook).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("routing-excluded"));
        await Assertions.Expect(first.Locator(".pool-routing")).ToContainTextAsync("一部除外（1）");
        await Assertions.Expect(first.Locator("td.pool-cell[data-provider='google']")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("routing-excluded"));
        await outlook.ClickAsync();
        await Assertions.Expect(page.Locator("#cell-detail")).ToContainTextAsync("直近6時間の送信結果");
        await Assertions.Expect(page.Locator("#cell-detail svg").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#cell-routing")).ToContainTextAsync("除外中");
        await Assertions.Expect(page.Locator("#routing-history")).ToContainTextAsync("自動検知");
        await BrowserPortal.ScreenshotAsync(page, "19-ip-pool-cell-ja");

        // Support puts it back by hand (a forced revert), with a reason for the audit log.
        await page.Locator("#routing-reason").FillAsync("Microsoft から解除の連絡あり（チケット 4711）");
        await page.ClickAsync("#routing-include");
        await Assertions.Expect(page.Locator("#cell-routing")).ToContainTextAsync("このプロバイダ宛に使用中");
        await Assertions.Expect(page.Locator("#routing-history")).ToContainTextAsync("チケット 4711");
        await page.Locator(".mud-dialog .mud-button-close").ClickAsync();
        await Assertions.Expect(outlook).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("routing-excluded"));

        await page.Locator("#pool-role .mud-chip", new() { HasText = "予備IP" }).ClickAsync();
        await Assertions.Expect(grid.Locator("tbody tr")).ToHaveCountAsync(4);

        var wall = await browser.NewPageAsync(3840, 2160);
        await wall.GotoAsync("/account/culture?culture=en-US&returnUrl=%2Fip-pool");
        await BrowserPortal.SignInAsync(wall, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await Assertions.Expect(wall.Locator("#page-title")).ToHaveTextAsync("IP pool health");
        await Assertions.Expect(wall.Locator("#pool-grid tbody tr")).ToHaveCountAsync(52);
        await BrowserPortal.ScreenshotAsync(wall, "20-ip-pool-wall-en");

        var english = await browser.NewPageAsync();
        await english.GotoAsync("/account/culture?culture=en-US&returnUrl=%2F");
        await BrowserPortal.SignInAsync(english, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await BrowserPortal.WaitForCircuitAsync(english);
        await english.Locator("#pool-grid tr[data-ip='203.0.113.10'] td.pool-cell[data-provider='microsoft-consumer']").ClickAsync();
        await Assertions.Expect(english.Locator("#routing-history")).ToContainTextAsync("Excluded · Detector · 3 recipients refused within 10 min");
        await Assertions.Expect(english.Locator("#cell-routing")).ToContainTextAsync("In use for this provider");
        await BrowserPortal.ScreenshotAsync(english, "23-ip-pool-cell-en");
    }
}
