using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;
using PrPortal.Features.Users;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration;

[Trait("Category", "Integration")]
public sealed class UserServiceTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private UserService Users => factory.Service<UserService>();

    [Fact]
    public async Task Only_admins_may_manage_users()
    {
        var support = Principal("support-id", PortalRoles.Support);

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Users.ListAsync(support, default));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Users.CreateAsync(support, new NewUser { Email = "x@y.example", Password = "Whatever-123!" }, default));
    }

    [Fact]
    public async Task Admin_adds_a_user_who_can_then_sign_in_with_that_role()
    {
        var admin = await AdminAsync();

        var result = await Users.CreateAsync(admin, new NewUser
        {
            Email = "support1@test.prportal.local",
            DisplayName = "山田 花子",
            Role = PortalRoles.Support,
            Password = "Support-Pass-123!",
        }, default);

        Assert.True(result.Succeeded, result.Error);
        var row = Assert.Single(await Users.ListAsync(admin, default), u => u.Email == "support1@test.prportal.local");
        Assert.Equal(PortalRoles.Support, row.Role);
        Assert.Equal("山田 花子", row.DisplayName);
        using var client = await PortalClient.SignedInAsync(factory, "support1@test.prportal.local", "Support-Pass-123!");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
    }

    [Theory]
    [InlineData("not-an-address", "Users.Error.Email")]
    [InlineData(PortalFactory.AdminEmail, "Users.Error.Exists")]
    public async Task Bad_new_user_is_refused_with_a_reason(string email, string error)
    {
        var result = await Users.CreateAsync(await AdminAsync(), new NewUser { Email = email, Password = "Valid-Pass-123!" }, default);

        Assert.Equal(error, result.Error);
    }

    [Fact]
    public async Task Weak_password_is_refused_with_identity_reasons()
    {
        // The reasons speak the reader's language (the page's culture), English and Japanese alike.
        var ui = System.Globalization.CultureInfo.CurrentUICulture;
        try
        {
            System.Globalization.CultureInfo.CurrentUICulture = System.Globalization.CultureInfo.GetCultureInfo("en-US");
            var result = await Users.CreateAsync(await AdminAsync(), new NewUser { Email = "weak@test.prportal.local", Password = "short" }, default);
            Assert.False(result.Succeeded);
            Assert.Contains("at least 10 characters", result.Error);

            System.Globalization.CultureInfo.CurrentUICulture = System.Globalization.CultureInfo.GetCultureInfo("ja-JP");
            var japanese = await Users.CreateAsync(await AdminAsync(), new NewUser { Email = "weak@test.prportal.local", Password = "short" }, default);
            Assert.Contains("10 文字以上", japanese.Error);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentUICulture = ui;
        }
    }

    [Fact]
    public async Task Disabled_user_cannot_sign_in_and_enabled_again_can()
    {
        var admin = await AdminAsync();
        await Users.CreateAsync(admin, new NewUser { Email = "leaver@test.prportal.local", Role = PortalRoles.AccountManager, Password = "Leaver-Pass-123!" }, default);
        var id = (await Users.ListAsync(admin, default)).Single(u => u.Email == "leaver@test.prportal.local").Id;

        Assert.True((await Users.SetDisabledAsync(admin, id, true, default)).Succeeded);
        using var client = PortalClient.Anonymous(factory);
        var refused = await PortalClient.PostLoginAsync(client, "leaver@test.prportal.local", "Leaver-Pass-123!");
        // The same answer as a wrong password: nobody learns from it that the account exists.
        Assert.Contains("error=invalid", refused.Headers.Location!.OriginalString);

        Assert.True((await Users.SetDisabledAsync(admin, id, false, default)).Succeeded);
        using var again = await PortalClient.SignedInAsync(factory, "leaver@test.prportal.local", "Leaver-Pass-123!");
    }

    [Fact]
    public async Task Role_change_applies_to_the_next_request()
    {
        var admin = await AdminAsync();
        await Users.CreateAsync(admin, new NewUser { Email = "promoted@test.prportal.local", Role = PortalRoles.AccountManager, Password = "Promote-Pass-123!" }, default);
        var id = (await Users.ListAsync(admin, default)).Single(u => u.Email == "promoted@test.prportal.local").Id;

        Assert.True((await Users.SetRoleAsync(admin, id, PortalRoles.Admin, default)).Succeeded);
        using var client = await PortalClient.SignedInAsync(factory, "promoted@test.prportal.local", "Promote-Pass-123!");

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/admin/users")).StatusCode);
        Assert.Equal(PortalRoles.Admin, (await Users.ListAsync(admin, default)).Single(u => u.Id == id).Role);
    }

    [Fact]
    public async Task Admin_gives_a_passwordless_account_manager_a_password_and_they_can_sign_in()
    {
        var admin = await AdminAsync();
        string id;
        using (var scope = factory.Services.CreateScope())
        {
            var manager = new PortalUser { UserName = "nopass@test.prportal.local", Email = "nopass@test.prportal.local" };
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            Assert.True((await users.CreateAsync(manager)).Succeeded);
            await users.AddToRoleAsync(manager, PortalRoles.AccountManager);
            id = manager.Id;
        }

        Assert.Contains(Error("PasswordTooShort", 10), (await Users.SetPasswordAsync(admin, id, "short", default)).Error);
        Assert.True((await Users.SetPasswordAsync(admin, id, "Now-Has-Pass-1!", default)).Succeeded);

        using var client = await PortalClient.SignedInAsync(factory, "nopass@test.prportal.local", "Now-Has-Pass-1!");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task The_last_active_admin_cannot_be_demoted_or_disabled()
    {
        // A fresh portal has exactly one admin.
        await using var lone = new PortalFactory();
        var users = lone.Service<UserService>();
        string adminId;
        using (var scope = lone.Services.CreateScope())
        {
            adminId = (await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByEmailAsync(PortalFactory.AdminEmail))!.Id;
        }
        var other = Principal("someone-else", PortalRoles.Admin);

        Assert.Equal("Users.Error.LastAdmin", (await users.SetRoleAsync(other, adminId, PortalRoles.Support, default)).Error);
        Assert.Equal("Users.Error.LastAdmin", (await users.SetDisabledAsync(other, adminId, true, default)).Error);
        Assert.Equal("Users.Error.Self", (await users.SetDisabledAsync(Principal(adminId, PortalRoles.Admin), adminId, true, default)).Error);
    }

    private async Task<ClaimsPrincipal> AdminAsync()
    {
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var admin = await users.FindByEmailAsync(PortalFactory.AdminEmail);
        return Principal(admin!.Id, PortalRoles.Admin);
    }

    private static ClaimsPrincipal Principal(string id, string role) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.NameIdentifier, id), new Claim(ClaimTypes.Role, role)], "test"));

    /// <summary>An Identity reason as the portal words it in the current language.</summary>
    private string Error(string code, params object[] args) =>
        string.Format(factory.Service<Microsoft.Extensions.Localization.IStringLocalizer<PrPortal.Resources.SharedResource>>()[$"Identity.{code}"].Value, args);
}
