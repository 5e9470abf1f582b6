using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using PrPortal.Components.Layout;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration;

[Trait("Category", "Integration")]
public sealed class SignInTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    public static TheoryData<string> PageRoutes()
    {
        var data = new TheoryData<string>();
        foreach (var area in NavAreas.All)
        {
            data.Add(area.Href);
        }
        data.Add("/account/access-denied");
        data.Add("/not-found");
        data.Add("/no-such-page");
        return data;
    }

    [Theory]
    [MemberData(nameof(PageRoutes))]
    public async Task Anonymous_request_to_any_page_is_sent_to_login(string route)
    {
        using var client = PortalClient.Anonymous(factory);

        var response = await client.GetAsync(route);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/account/login?ReturnUrl={Uri.EscapeDataString(route)}", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task Anonymous_request_to_the_blazor_hub_and_an_api_path_gets_401_not_a_page()
    {
        using var client = PortalClient.Anonymous(factory);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/_blazor/negotiate?negotiateVersion=1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/anything")).StatusCode);
    }

    [Theory]
    [InlineData("/_content/MudBlazor/MudBlazor.min.css")]
    [InlineData("/_framework/blazor.web.js")]
    [InlineData("/app.css")]
    public async Task Login_page_assets_are_served_to_anonymous_users(string asset)
    {
        using var client = PortalClient.Anonymous(factory);

        var response = await client.GetAsync(asset);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Healthz_is_anonymous_and_reports_the_database()
    {
        using var client = PortalClient.Anonymous(factory);

        var response = await client.GetAsync("/healthz");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"database\":{\"status\":\"healthy\"", body);
    }

    [Fact]
    public async Task Admin_signs_in_and_sees_the_japanese_shell()
    {
        using var client = PortalClient.Anonymous(factory);

        var login = await PortalClient.PostLoginAsync(client, PortalFactory.AdminEmail, PortalFactory.AdminPassword, "/link-check");
        Assert.Equal("/link-check", login.Headers.Location!.OriginalString);

        var page = await client.GetStringAsync("/link-check");
        Assert.Contains("<html lang=\"ja\">", page);
        Assert.Contains("リンクチェック", page);
        Assert.Contains("リリースHTML", page);
        Assert.Contains("ユーザー管理", page); // admins see user management in the menu
    }

    [Fact]
    public async Task Wrong_password_returns_to_login_with_an_error_and_no_cookie()
    {
        using var client = PortalClient.Anonymous(factory);

        var login = await PortalClient.PostLoginAsync(client, PortalFactory.AdminEmail, "wrong-password");

        Assert.Contains("error=invalid", login.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);
        var page = await client.GetStringAsync(login.Headers.Location.OriginalString);
        Assert.Contains("メールアドレスまたはパスワードが正しくないか、このアカウントは現在サインインできません。解決しない場合は管理者に連絡してください。", page);
    }

    [Theory]
    [InlineData("//evil.example/steal")]
    [InlineData("https://evil.example/")]
    [InlineData("/\\evil.example")]
    [InlineData("/\tjavascript:alert(1)")]
    [InlineData("/reports\r\nSet-Cookie:x=1")]
    [InlineData("/日本語")]
    public async Task A_malformed_return_url_is_a_400_and_signs_nobody_in(string returnUrl)
    {
        using var client = PortalClient.Anonymous(factory);

        var login = await PortalClient.PostLoginAsync(client, PortalFactory.AdminEmail, PortalFactory.AdminPassword, returnUrl);

        Assert.Equal(HttpStatusCode.BadRequest, login.StatusCode);
        Assert.DoesNotContain(login.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("PrPortal.Auth")));
    }

    [Fact]
    public async Task A_local_return_url_is_followed_after_sign_in()
    {
        using var client = PortalClient.Anonymous(factory);

        var login = await PortalClient.PostLoginAsync(client, PortalFactory.AdminEmail, PortalFactory.AdminPassword, "/reports/affected?incident=1");

        Assert.Equal("/reports/affected?incident=1", login.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_signed_in_user_without_a_role_sees_no_operations_page()
    {
        const string email = "norole@test.prportal.local", password = "NoRole-Pass-123!";
        using (var scope = factory.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            Assert.True((await users.CreateAsync(new PortalUser { UserName = email, Email = email, EmailConfirmed = true }, password)).Succeeded);
        }
        using var client = await PortalClient.SignedInAsync(factory, email, password);

        foreach (var area in NavAreas.All)
        {
            var response = await client.GetAsync(area.Href);
            Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.OriginalString.Contains("/account/access-denied"),
                $"{area.Href}: {(int)response.StatusCode} {response.Headers.Location}");
        }
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account/access-denied")).StatusCode);
        var csv = await client.GetAsync("/reports/affected.csv?incident=1");
        Assert.NotEqual(HttpStatusCode.OK, csv.StatusCode);
    }

    [Fact]
    public async Task Login_post_without_antiforgery_token_is_refused()
    {
        using var client = PortalClient.Anonymous(factory);

        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = PortalFactory.AdminEmail,
            ["password"] = PortalFactory.AdminPassword,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Account_manager_cannot_open_user_management()
    {
        const string email = "am@test.prportal.local", password = "Manager-Pass-123!";
        await CreateUserAsync(email, password, PortalRoles.AccountManager);
        using var client = await PortalClient.SignedInAsync(factory, email, password);

        var response = await client.GetAsync("/admin/users");
        var home = await client.GetStringAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/access-denied", response.Headers.Location!.PathAndQuery);
        Assert.DoesNotContain("ユーザー管理", home);
    }

    [Fact]
    public async Task Admin_can_open_user_management()
    {
        using var client = await PortalClient.SignedInAsync(factory, PortalFactory.AdminEmail, PortalFactory.AdminPassword);

        var response = await client.GetAsync("/admin/users");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(PortalFactory.AdminEmail, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Chosen_language_is_remembered_for_the_user_at_the_next_sign_in()
    {
        const string email = "english@test.prportal.local", password = "English-Pass-123!";
        await CreateUserAsync(email, password, PortalRoles.Support);
        using (var first = await PortalClient.SignedInAsync(factory, email, password))
        {
            var switched = await first.GetAsync("/account/culture?culture=en-US&returnUrl=%2Flink-check");
            Assert.Equal("/link-check", switched.Headers.Location!.OriginalString);
            Assert.Contains("Link check", await first.GetStringAsync("/link-check"));
        }

        // A new browser: no culture cookie until sign-in sets it from the user's choice.
        using var second = await PortalClient.SignedInAsync(factory, email, password);
        var page = await second.GetStringAsync("/link-check");

        Assert.Contains("<html lang=\"en\">", page);
        Assert.Contains("Release HTML", page);
    }

    [Fact]
    public async Task Sign_out_ends_the_session()
    {
        using var client = await PortalClient.SignedInAsync(factory, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        var page = await client.GetStringAsync("/");
        var token = PortalClient.TokenIn(page);

        var logout = await client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
        }));

        Assert.Equal("/account/login", logout.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);
    }

    private async Task CreateUserAsync(string email, string password, string role)
    {
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        if (await users.FindByEmailAsync(email) is not null)
        {
            return;
        }
        var user = new PortalUser { UserName = email, Email = email, EmailConfirmed = true };
        Assert.True((await users.CreateAsync(user, password)).Succeeded);
        Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
    }
}
