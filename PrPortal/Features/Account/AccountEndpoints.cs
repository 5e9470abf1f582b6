using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using PrPortal.Data.Entities;

namespace PrPortal.Features.Account;

/// <summary>Sign-in, sign-out and the language switch: plain form posts, so they work without a circuit.</summary>
public static class AccountEndpoints
{
    public const string LoginPath = "/account/login";
    public const string AccessDeniedPath = "/account/access-denied";

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/account");

        group.MapPost("/login", async (
            [FromForm] string? email,
            [FromForm] string? password,
            [FromForm] string? returnUrl,
            SignInManager<PortalUser> signIn,
            HttpContext http) =>
        {
            var back = LocalOrRoot(returnUrl);
            if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
            {
                return Results.LocalRedirect(LoginUrl("missing", back));
            }

            var user = await signIn.UserManager.FindByEmailAsync(email.Trim());
            if (user is null)
            {
                return Results.LocalRedirect(LoginUrl("invalid", back));
            }
            if (user.IsDisabled)
            {
                return Results.LocalRedirect(LoginUrl("disabled", back));
            }

            var result = await signIn.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);
            if (result.IsLockedOut)
            {
                return Results.LocalRedirect(LoginUrl("locked", back));
            }
            if (!result.Succeeded)
            {
                return Results.LocalRedirect(LoginUrl("invalid", back));
            }

            SetCultureCookie(http, user.UiCulture);
            return Results.LocalRedirect(back);
        }).AllowAnonymous();

        group.MapPost("/logout", async (SignInManager<PortalUser> signIn) =>
        {
            await signIn.SignOutAsync();
            return Results.LocalRedirect(LoginPath);
        });

        // A language choice is remembered on the user, so it follows them to every browser.
        group.MapGet("/culture", async (
            string? culture,
            string? returnUrl,
            UserManager<PortalUser> users,
            ClaimsPrincipal principal,
            HttpContext http) =>
        {
            var chosen = PortalCultures.Normalize(culture);
            var user = await users.GetUserAsync(principal);
            if (user is not null && user.UiCulture != chosen)
            {
                user.UiCulture = chosen;
                await users.UpdateAsync(user);
            }
            SetCultureCookie(http, chosen);
            return Results.LocalRedirect(LocalOrRoot(returnUrl));
        });

        return endpoints;
    }

    public static string LoginUrl(string? error, string returnUrl) =>
        $"{LoginPath}?ReturnUrl={Uri.EscapeDataString(returnUrl)}" + (error is null ? "" : $"&error={error}");

    private static void SetCultureCookie(HttpContext http, string culture) =>
        http.Response.Cookies.Append(
            CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
            new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), HttpOnly = true, SameSite = SameSiteMode.Lax, IsEssential = true });

    /// <summary>Only same-site paths are followed after sign-in; anything else goes home.</summary>
    public static string LocalOrRoot(string? returnUrl) =>
        returnUrl is { Length: > 0 } url
        && url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Contains("://", StringComparison.Ordinal)
            ? url
            : "/";
}
