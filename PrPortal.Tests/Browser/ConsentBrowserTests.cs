using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MimeKit;
using PrPortal.Features.Providers;
using PrPortal.Sandbox;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Browser;

/// <summary>
/// The account manager's contact → consent link → resend: a mail with the company's figures goes out from
/// the report, the company's contact opens its link in a browser without an account and agrees, and the
/// report and the resend page show the consent and the batch it started.
/// </summary>
[Trait("Category", "Browser")]
public sealed partial class ConsentBrowserTests(BrowserPortal browser) : IClassFixture<BrowserPortal>
{
    [Fact]
    public async Task A_company_agrees_by_its_link_and_the_resend_starts()
    {
        var world = browser.Portal.Service<SandboxWorld>();
        world.Simulator(MailboxProviderCatalog.Other).KeepMessages = true;
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/account/culture?culture=ja-JP&returnUrl=%2Freports");
        await BrowserPortal.SignInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await page.WaitForURLAsync("**/reports");
        await page.GotoAsync("/account/culture?culture=ja-JP&returnUrl=%2Freports");
        await BrowserPortal.WaitForCircuitAsync(page);

        // The chosen report is in the address, so a link or a reload shows the same one.
        await page.ClickAsync("#scope-show");
        // (A same-page navigation: the address changes without a load, so the address itself is polled.)
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"/reports\?from=\d{4}-\d\d-\d\d&until=\d{4}-\d\d-\d\d$"), new() { Timeout = 30_000 });
        var row = page.Locator("#company-table tbody tr").Nth(1);
        var company = (await row.Locator("td").First.Locator("div").First.InnerTextAsync()).Trim();
        await row.Locator(".contact-button").ClickAsync();
        await Assertions.Expect(page.Locator("#consent-email")).ToHaveValueAsync(new Regex("^pr@"));
        var email = await page.Locator("#consent-email").InputValueAsync();
        await BrowserPortal.ScreenshotAsync(page, "64-consent-send-ja");
        await page.ClickAsync("#consent-send");
        await Assertions.Expect(page.Locator(".mud-snackbar", new() { HasText = "同意依頼を送りました" })).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(row.Locator(".contact-chip")).ToHaveTextAsync("連絡済み");

        // The company's contact: the link from the mail, in a browser that never signed in.
        var mail = world.Simulator(MailboxProviderCatalog.Other).Received.Last(m => m.Recipients.Contains(email));
        using var raw = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(mail.Raw!));
        var message = MimeMessage.Load(raw);
        Assert.Contains(company, message.Subject);
        var link = new Uri(LinkPattern().Match(message.TextBody ?? "").Value);
        var contact = await browser.NewPageAsync();
        await contact.GotoAsync(link.PathAndQuery);
        await Assertions.Expect(contact.Locator("#consent-company")).ToContainTextAsync(company);
        Assert.True(await contact.Locator("#consent-releases tbody tr").CountAsync() >= 1);
        await BrowserPortal.ScreenshotAsync(contact, "65-consent-link-ja");
        await contact.FillAsync("#note", "広報部 佐藤: よろしくお願いします");
        await contact.ClickAsync("#consent-agree");
        await Assertions.Expect(contact.Locator("#consent-answered")).ToContainTextAsync("承りました");
        await BrowserPortal.ScreenshotAsync(contact, "66-consent-answered-ja");
        // The link again: the answer stands, no second form.
        await contact.GotoAsync(link.PathAndQuery);
        await Assertions.Expect(contact.Locator("#consent-form")).ToHaveCountAsync(0);

        // The account manager sees the consent, and the batch it started.
        await page.GotoAsync("/reports");
        await BrowserPortal.WaitForCircuitAsync(page);
        var again = page.Locator("#company-table tbody tr", new() { HasText = company });
        await Assertions.Expect(again.Locator(".contact-chip")).ToHaveTextAsync("再送に同意");
        await Assertions.Expect(again).ToContainTextAsync("佐藤");
        await page.GotoAsync("/resend");
        await BrowserPortal.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("#batch-table")).ToContainTextAsync("同意リンク");
        await BrowserPortal.ScreenshotAsync(page, "67-consent-batch-ja");
    }

    [GeneratedRegex(@"https?://\S+/consent/\S+")]
    private static partial Regex LinkPattern();
}
