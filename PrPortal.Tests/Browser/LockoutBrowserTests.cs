using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Browser;

/// <summary>An administrator sees a locked account and one without a password, and lifts the lock; support sees releases held from the automatic resend.</summary>
[Trait("Category", "Browser")]
public sealed class LockoutBrowserTests(BrowserPortal browser) : IClassFixture<BrowserPortal>
{
    [Fact]
    public async Task A_locked_account_shows_on_the_users_page_and_the_administrator_unlocks_it()
    {
        const string email = "locked.user@test.prportal.local";
        using (var scope = browser.Portal.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            var user = new PortalUser { UserName = email, Email = email, EmailConfirmed = true, LockoutEnabled = true, CreatedAtUtc = DateTime.UtcNow };
            Assert.True((await users.CreateAsync(user, "Locked-Pass-12345!")).Succeeded);
            await users.AddToRoleAsync(user, PortalRoles.Support);
            await users.SetLockoutEndDateAsync(user, DateTimeOffset.UtcNow.AddMinutes(15));
        }
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/admin/users");
        await BrowserPortal.SignInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await page.WaitForURLAsync("**/admin/users");
        // The language is remembered per user, and another test may have left the administrator in English.
        await page.GotoAsync("/account/culture?culture=ja-JP&returnUrl=%2Fadmin%2Fusers");
        await BrowserPortal.WaitForCircuitAsync(page);

        var row = page.Locator("#users-table tr", new() { HasText = email });
        await Assertions.Expect(row.Locator(".user-locked")).ToContainTextAsync("ロック中");
        // The demo's account managers start without a password: the page says so.
        await Assertions.Expect(page.Locator("#users-table .user-no-password").First).ToContainTextAsync("パスワード未設定");
        await BrowserPortal.ScreenshotAsync(page, "38-users-locked-ja");

        // The same in English, where the administrator lifts the lock.
        await page.GotoAsync("/account/culture?culture=en-US&returnUrl=%2Fadmin%2Fusers");
        await BrowserPortal.WaitForCircuitAsync(page);
        await Assertions.Expect(row.Locator(".user-locked")).ToContainTextAsync("Locked (until");
        await Assertions.Expect(page.Locator("#users-table .user-no-password").First).ToContainTextAsync("No password set");
        await BrowserPortal.ScreenshotAsync(page, "38b-users-locked-en");
        await row.Locator(".unlock-user").ClickAsync();
        await Assertions.Expect(row.Locator(".user-locked")).ToHaveCountAsync(0);
        await Assertions.Expect(row).ToContainTextAsync("Active");
        await page.GotoAsync("/account/culture?culture=ja-JP&returnUrl=%2Fadmin%2Fusers");

        await using var db = await browser.Portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var audit = await db.AuditEntries.SingleAsync(a => a.Action == "user.unlocked" && a.Subject == email);
        Assert.Equal(PortalFactory.AdminEmail, audit.Actor);
    }

    [Fact]
    public async Task Releases_held_from_the_automatic_resend_are_listed_on_the_resend_page()
    {
        await using (var db = await browser.Portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var release = await db.FailedDeliveries.Where(f => f.ResendState == ResendState.NotResent && f.DeliveredAtUtc == null)
                .Join(db.Releases, f => f.ReleaseId, r => r.Id, (f, r) => r).FirstAsync();
            db.AuditEntries.Add(new AuditEntry
            {
                AtUtc = DateTime.UtcNow, Actor = "auto-resend", Action = Features.Resend.ResendService.HeldAction, Subject = $"release {release.Id}",
                Detail = System.Text.Json.JsonSerializer.Serialize(new { release = release.Id, title = release.Title, mails = 3, dangerous_links = 2 }),
            });
            await db.SaveChangesAsync();
        }
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/resend");
        await BrowserPortal.SignInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await page.WaitForURLAsync("**/resend");
        await page.GotoAsync("/account/culture?culture=ja-JP&returnUrl=%2Fresend");
        await Assertions.Expect(page.Locator("#resend-held")).ToContainTextAsync("危険なリンク 2 件");
        await BrowserPortal.ScreenshotAsync(page, "39-resend-held-ja");
        await page.GotoAsync("/account/culture?culture=en-US&returnUrl=%2Fresend");
        await Assertions.Expect(page.Locator("#resend-held")).ToContainTextAsync("2 dangerous links");
        await BrowserPortal.ScreenshotAsync(page, "39b-resend-held-en");
        await page.GotoAsync("/account/culture?culture=ja-JP&returnUrl=%2Fresend");
    }
}
