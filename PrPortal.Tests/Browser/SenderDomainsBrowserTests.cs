using System.Text.RegularExpressions;
using Microsoft.Playwright;
using PrPortal.Features.DemoWorld;
using PrPortal.Features.SenderAuth;
using PrPortal.Sandbox;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Browser;

/// <summary>
/// Support staff on the sender domains page: which companies may use their own From and why not,
/// the records to publish copied to the clipboard, a domain that breaks found by "check now", and a
/// new domain registered.
/// </summary>
[Trait("Category", "Browser")]
public sealed class SenderDomainsBrowserTests(BrowserPortal browser) : IClassFixture<BrowserPortal>
{
    [Fact]
    public async Task Status_records_to_publish_check_now_and_registration_in_the_browser()
    {
        var domains = browser.Portal.Service<SenderDomainService>();
        await domains.CheckAllAsync(default);
        var complete = DemoWorldCatalog.CompanyDomain(0);
        var page = await browser.NewPageAsync();
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await page.GotoAsync("/account/culture?culture=ja-JP&returnUrl=%2Fsender-domains");
        await BrowserPortal.SignInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await page.WaitForURLAsync("**/sender-domains");
        await BrowserPortal.WaitForCircuitAsync(page);

        await Assertions.Expect(page.Locator("#page-title")).ToHaveTextAsync("送信ドメイン認証");
        await Assertions.Expect(page.Locator("#domain-table tbody tr")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("#domain-table tbody tr .from-state", new() { HasTextString = "利用可" })).ToHaveCountAsync(2);
        // The first domain that is not allowed is open: why, and what to publish.
        await Assertions.Expect(page.Locator("#verdict")).ToContainTextAsync("release@mail.prportal.example");
        await Assertions.Expect(page.Locator("#verdict .blockers li").First).ToContainTextAsync("SPF: SPFでソフトフェイルになる送信IPがあります");
        await Assertions.Expect(page.Locator("#spf-per-ip .ip-softfail")).ToHaveCountAsync(4);
        await Assertions.Expect(page.Locator("#spf-card .record-value").Last).ToContainTextAsync("include:_spf.prportal.example");
        await BrowserPortal.ScreenshotAsync(page, "31-sender-domains-ja");

        // The DKIM record to publish, copied with one click.
        var row = page.Locator("#domain-table tbody tr", new() { HasTextString = complete });
        await row.ClickAsync();
        await Assertions.Expect(page.Locator(".detail-domain")).ToHaveTextAsync(complete);
        await Assertions.Expect(page.Locator("#verdict")).ToContainTextAsync("DKIM 署名付き");
        await page.Locator("#dkim-card .copy-value").ClickAsync();
        await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("コピーしました");
        var copied = await page.EvaluateAsync<string>("() => navigator.clipboard.readText()");
        Assert.StartsWith("v=DKIM1; k=rsa; p=MIIB", copied);

        // The company's DNS admin drops our include; "check now" finds it and suspends the own From.
        var world = browser.Portal.Service<SandboxWorld>();
        world.Zones.SetTxt(complete, "v=spf1 mx -all");
        try
        {
            await page.ClickAsync("#detail-check");
            await Assertions.Expect(row.Locator(".from-state")).ToHaveTextAsync("停止中");
            await Assertions.Expect(page.Locator("#verdict .blockers")).ToContainTextAsync("SPFで不合格になる送信IPがあります");
            await Assertions.Expect(page.Locator("#spf-card .record-box").First).ToContainTextAsync("v=spf1 mx -all");
            await Assertions.Expect(page.Locator("#spf-card .record-value").Last).ToHaveTextAsync("TXT v=spf1 mx include:_spf.prportal.example -all");
            await page.EvaluateAsync("() => window.scrollTo(0, 0)");
            await BrowserPortal.ScreenshotAsync(page, "32-sender-domain-suspended-ja");
        }
        finally
        {
            await RepublishAsync();
        }

        // A new domain: registered with its key; nothing is published yet.
        await page.Locator("#add-domain .add-company input").First.FillAsync(DemoWorldCatalog.CompanyName(7)[..6]);
        var option = page.GetByRole(AriaRole.Option).First;
        var chosen = (await option.InnerTextAsync()).Trim();
        await option.ClickAsync();
        // The pick reaches the server before the next field is typed (else the form says no company was chosen).
        await Assertions.Expect(page.Locator("#add-domain .add-company input").First).ToHaveValueAsync(chosen);
        await page.Locator("#add-domain .add-name input").First.FillAsync("bad domain");
        await page.ClickAsync("#add-domain .add-submit");
        await Assertions.Expect(page.Locator("#add-error")).ToContainTextAsync("not a domain name");
        await page.Locator("#add-domain .add-name input").First.FillAsync("news.new-customer.example.jp");
        await page.ClickAsync("#add-domain .add-submit");
        await Assertions.Expect(page.Locator("#domain-table tbody tr")).ToHaveCountAsync(6);
        await Assertions.Expect(page.Locator(".detail-domain")).ToHaveTextAsync("news.new-customer.example.jp");
        await Assertions.Expect(page.Locator("#dkim-card")).ToContainTextAsync("does not exist");
        await Assertions.Expect(page.Locator("#dkim-card .record-name").Last).ToHaveTextAsync(new Regex(@"^prp\d{6}\._domainkey\.news\.new-customer\.example\.jp$"));

        // Removed again, after a confirmation that says what happens to its mail.
        await page.ClickAsync("#detail-remove");
        await Assertions.Expect(page.Locator(".mud-dialog")).ToContainTextAsync("release@mail.prportal.example");
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "登録を削除" }).ClickAsync();
        await Assertions.Expect(page.Locator("#domain-table tbody tr")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("#domain-table")).Not.ToContainTextAsync("news.new-customer.example.jp");

        // In English.
        await page.GotoAsync("/account/culture?culture=en-US&returnUrl=%2Fsender-domains");
        await page.WaitForURLAsync("**/sender-domains");
        await BrowserPortal.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("#page-title")).ToHaveTextAsync("Sender domains");
        await Assertions.Expect(page.Locator("#verdict")).ToContainTextAsync("Why:");
        await BrowserPortal.ScreenshotAsync(page, "33-sender-domains-en");
    }

    private async Task RepublishAsync()
    {
        var portal = browser.Portal;
        await using (var db = await portal.Service<Microsoft.EntityFrameworkCore.IDbContextFactory<Data.PortalDbContext>>().CreateDbContextAsync())
        {
            await SandboxSenderDns.PublishAsync(portal.Service<SandboxWorld>().Zones, db, portal.Service<SenderAuthOptions>().SpfInclude, default);
        }
        await portal.Service<SenderDomainService>().CheckAllAsync(default);
    }
}
