using Microsoft.Playwright;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Browser;

/// <summary>What a support person does on day one, in a real browser.</summary>
[Trait("Category", "Browser")]
public sealed class ShellBrowserTests(BrowserPortal browser) : IClassFixture<BrowserPortal>
{
    [Fact]
    public async Task Admin_signs_in_adds_an_account_manager_switches_language_and_the_manager_is_kept_out_of_users()
    {
        var page = await browser.NewPageAsync();

        // A deep link while signed out lands on the login page and returns there after sign-in.
        await page.GotoAsync("/admin/users");
        Assert.Contains("/account/login", page.Url);
        await Assertions.Expect(page.Locator("text=配信到達性の監視と復旧")).ToBeVisibleAsync();
        await BrowserPortal.ScreenshotAsync(page, "01-login-ja");

        await BrowserPortal.SignInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await page.WaitForURLAsync("**/admin/users");
        await BrowserPortal.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("#users-table")).ToContainTextAsync(PortalFactory.AdminEmail);

        // Add an account manager through the dialog.
        await page.ClickAsync("#add-user");
        var dialog = page.Locator(".mud-dialog");
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        await dialog.Locator("input#new-user-email").FillAsync("tanaka@test.prportal.local");
        await dialog.Locator("input#new-user-name").FillAsync("田中 太郎");
        await dialog.Locator("input#new-user-password").FillAsync("Tanaka-Pass-123!");
        await dialog.Locator(".mud-input-control.mud-select").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "アカウントマネージャー" }).ClickAsync();
        await BrowserPortal.ScreenshotAsync(page, "02-add-user-dialog-ja");
        await page.ClickAsync("#save-user");
        await Assertions.Expect(page.Locator("#users-table")).ToContainTextAsync("tanaka@test.prportal.local");
        await Assertions.Expect(page.Locator("#users-table tr", new() { HasText = "tanaka@test.prportal.local" })).ToContainTextAsync("有効");
        await BrowserPortal.ScreenshotAsync(page, "03-users-ja");

        // The overview of the demo world, in Japanese.
        await page.ClickAsync("#nav-menu >> text=概要");
        await Assertions.Expect(page.Locator("#page-title")).ToHaveTextAsync("概要");
        await Assertions.Expect(page.Locator("#overview-stats")).ToContainTextAsync("48 + 4");
        await Assertions.Expect(page.Locator("#provider-table")).ToContainTextAsync("Microsoft（Outlook.com）");
        await BrowserPortal.ScreenshotAsync(page, "04-overview-ja");

        // Switch to English; the shell and the page speak English.
        await BrowserPortal.WaitForCircuitAsync(page);
        await page.ClickAsync("#language-menu button");
        await page.ClickAsync("text=English");
        await Assertions.Expect(page.Locator("#page-title")).ToHaveTextAsync("Overview");
        await Assertions.Expect(page.Locator("#nav-menu")).ToContainTextAsync("IP pool health");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await BrowserPortal.ScreenshotAsync(page, "05-overview-en");

        // Sign out (once the reloaded page is live, so the click is not lost to a re-render), then sign
        // in as the new account manager.
        await BrowserPortal.WaitForCircuitAsync(page);
        await page.ClickAsync("#logout-form button");
        await page.WaitForURLAsync("**/account/login", new() { Timeout = 30_000 });
        await BrowserPortal.SignInAsync(page, "tanaka@test.prportal.local", "Tanaka-Pass-123!");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
        await Assertions.Expect(page.Locator("#signed-in-user")).ToHaveTextAsync("tanaka@test.prportal.local");
        await Assertions.Expect(page.Locator("#nav-menu")).Not.ToContainTextAsync("ユーザー管理");

        await page.GotoAsync("/admin/users");
        Assert.Contains("/account/access-denied", page.Url);
        await Assertions.Expect(page.Locator("#access-denied")).ToBeVisibleAsync();
        await BrowserPortal.ScreenshotAsync(page, "06-account-manager-denied-ja");
        // Drills change the sandbox's routing: Admin and Support only.
        await Assertions.Expect(page.Locator("#nav-menu")).Not.ToContainTextAsync("訓練");
        await page.GotoAsync("/drill");
        Assert.Contains("/account/access-denied", page.Url);
    }

    [Fact]
    public async Task Wrong_password_shows_the_reason_on_the_login_page()
    {
        var page = await browser.NewPageAsync();

        await page.GotoAsync("/");
        await BrowserPortal.SignInAsync(page, PortalFactory.AdminEmail, "not-the-password");

        await Assertions.Expect(page.Locator("#login-error")).ToHaveTextAsync("メールアドレスまたはパスワードが正しくないか、このアカウントは現在サインインできません。解決しない場合は管理者に連絡してください。");
    }
}
