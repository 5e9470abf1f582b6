using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using PrPortal.Components.Layout;
using PrPortal.Components.Shared;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;

namespace PrPortal.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class AccountRulesTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("/admin/users?x=1", "/admin/users?x=1")]
    [InlineData("//evil.example/path", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("/redirect?to=https://evil.example", "/")]
    [InlineData("javascript:alert(1)", "/")]
    [InlineData("", "/")]
    [InlineData(null, "/")]
    public void Only_local_return_urls_are_followed(string? returnUrl, string expected)
    {
        Assert.Equal(expected, AccountEndpoints.LocalOrRoot(returnUrl));
    }

    [Fact]
    public async Task Generated_admin_passwords_pass_the_portal_password_rules_and_differ()
    {
        var options = Options.Create(new IdentityOptions { Password = { RequiredLength = 10 } });
        var users = new UserManager<PortalUser>(new NoStore(), options, null!, null!, [new PasswordValidator<PortalUser>()], null!, null!, null!, null!);
        var passwords = Enumerable.Range(0, 50).Select(_ => AdminSeeder.GeneratePassword()).ToList();

        foreach (var password in passwords)
        {
            var result = await new PasswordValidator<PortalUser>().ValidateAsync(users, new PortalUser(), password);
            Assert.True(result.Succeeded, password);
        }
        Assert.Equal(passwords.Count, passwords.Distinct().Count());
    }

    [Theory]
    [InlineData("en", "en-US")]
    [InlineData("EN-us", "en-US")]
    [InlineData("ja", "ja-JP")]
    [InlineData("fr-FR", "ja-JP")]
    [InlineData(null, "ja-JP")]
    public void Unknown_languages_fall_back_to_japanese(string? asked, string expected)
    {
        Assert.Equal(expected, PortalCultures.Normalize(asked));
    }

    [Fact]
    public void Times_are_shown_in_tokyo()
    {
        Assert.Equal("2025-11-30 08:59", PortalTime.Format(new DateTime(2025, 11, 29, 23, 59, 0, DateTimeKind.Utc)));
        Assert.Equal("2025-11-30", PortalTime.FormatDate(new DateTime(2025, 11, 29, 15, 0, 0, DateTimeKind.Utc)));
    }

    [Theory]
    [InlineData("jobs", "Nav.Jobs")]
    [InlineData("sender-domains?tab=1", "Nav.SenderDomains")]
    [InlineData("", "Nav.IpPool")]
    [InlineData("overview", "Nav.Overview")]
    public void Page_titles_come_from_the_menu(string path, string key)
    {
        Assert.Equal(key, NavAreas.TitleKeyFor(path));
    }

    private sealed class NoStore : IUserStore<PortalUser>
    {
        public void Dispose() { }
        public Task<string> GetUserIdAsync(PortalUser user, CancellationToken c) => Task.FromResult(user.Id);
        public Task<string?> GetUserNameAsync(PortalUser user, CancellationToken c) => Task.FromResult(user.UserName);
        public Task SetUserNameAsync(PortalUser user, string? userName, CancellationToken c) => Task.CompletedTask;
        public Task<string?> GetNormalizedUserNameAsync(PortalUser user, CancellationToken c) => Task.FromResult(user.NormalizedUserName);
        public Task SetNormalizedUserNameAsync(PortalUser user, string? normalizedName, CancellationToken c) => Task.CompletedTask;
        public Task<IdentityResult> CreateAsync(PortalUser user, CancellationToken c) => Task.FromResult(IdentityResult.Success);
        public Task<IdentityResult> UpdateAsync(PortalUser user, CancellationToken c) => Task.FromResult(IdentityResult.Success);
        public Task<IdentityResult> DeleteAsync(PortalUser user, CancellationToken c) => Task.FromResult(IdentityResult.Success);
        public Task<PortalUser?> FindByIdAsync(string userId, CancellationToken c) => Task.FromResult<PortalUser?>(null);
        public Task<PortalUser?> FindByNameAsync(string normalizedUserName, CancellationToken c) => Task.FromResult<PortalUser?>(null);
    }
}
