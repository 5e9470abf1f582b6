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
            SignInThrottle throttle,
            Microsoft.Extensions.Localization.IStringLocalizer<Resources.SharedResource> text,
            TimeProvider clock,
            HttpContext http) =>
        {
            if (!TryLocal(returnUrl, out var back))
            {
                return Results.BadRequest(new { error = "returnUrl must be a path on this site" });
            }
            var client = ClientOf(http);
            if (throttle.IsThrottled(client))
            {
                return Throttled(http, throttle.RetryAfter(client), text, back);
            }
            if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
            {
                return Results.LocalRedirect(LoginUrl("missing", back));
            }

            // The same work and the same answer whether the address is unknown, the account disabled or
            // locked, or the password wrong: the password is always checked against a hash (a stand-in
            // one for an unknown address), and every failure answers "invalid".
            var users = signIn.UserManager;
            var user = await users.FindByEmailAsync(email.Trim());
            var verdict = users.PasswordHasher.VerifyHashedPassword(user ?? StandIn, user?.PasswordHash ?? StandInHash(users.PasswordHasher), password);
            var passwordRight = user?.PasswordHash is not null && verdict != PasswordVerificationResult.Failed;
            var usable = user is not null && !user.IsDisabled && !await users.IsLockedOutAsync(user);
            if (usable && passwordRight)
            {
                await users.ResetAccessFailedCountAsync(user!);
                await signIn.SignInAsync(user!, isPersistent: false);
                SetCultureCookie(http, user!.UiCulture, clock);
                return Results.LocalRedirect(back);
            }
            throttle.RecordFailure(client);
            if (usable)
            {
                // Counts toward the account's lockout, which takes more failures than one client may make.
                await users.AccessFailedAsync(user!);
            }
            return Results.LocalRedirect(LoginUrl("invalid", back));
        }).AllowAnonymous();

        group.MapPost("/logout", async (SignInManager<PortalUser> signIn, Microsoft.AspNetCore.Antiforgery.IAntiforgery antiforgery, HttpContext http) =>
        {
            // The form's token: another site cannot sign a user out by posting here.
            // UseAntiforgery has checked it (the endpoint asks for it); a form-less endpoint must refuse it itself.
            var checkedToken = http.Features.Get<Microsoft.AspNetCore.Antiforgery.IAntiforgeryValidationFeature>();
            if (checkedToken is { IsValid: false } || (checkedToken is null && !await antiforgery.IsRequestValidAsync(http)))
            {
                return Results.BadRequest(new { error = "the sign-out form's antiforgery token is missing or wrong" });
            }
            await signIn.SignOutAsync();
            return Results.LocalRedirect(LoginPath);
        }).RequireAuthorization().WithMetadata(new Microsoft.AspNetCore.Antiforgery.RequireAntiforgeryTokenAttribute());

        // A language choice is remembered on the user, so it follows them to every browser.
        group.MapGet("/culture", async (
            string? culture,
            string? returnUrl,
            UserManager<PortalUser> users,
            ClaimsPrincipal principal,
            TimeProvider clock,
            HttpContext http) =>
        {
            var chosen = PortalCultures.Normalize(culture);
            var user = await users.GetUserAsync(principal);
            if (user is not null && user.UiCulture != chosen)
            {
                user.UiCulture = chosen;
                await users.UpdateAsync(user);
            }
            if (!TryLocal(returnUrl, out var back))
            {
                return Results.BadRequest(new { error = "returnUrl must be a path on this site" });
            }
            SetCultureCookie(http, chosen, clock);
            return Results.LocalRedirect(back);
        }).RequireAuthorization();

        return endpoints;
    }

    public static string LoginUrl(string? error, string returnUrl) =>
        $"{LoginPath}?ReturnUrl={Uri.EscapeDataString(returnUrl)}" + (error is null ? "" : $"&error={error}");

    private static void SetCultureCookie(HttpContext http, string culture, TimeProvider clock) =>
        http.Response.Cookies.Append(
            CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
            new CookieOptions { Expires = clock.GetUtcNow().AddYears(1), HttpOnly = true, SameSite = SameSiteMode.Lax, IsEssential = true, Secure = http.Request.IsHttps });

    /// <summary>The client a failed sign-in is counted against: its address (after the configured proxies' forwarded headers).</summary>
    public static string ClientOf(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static readonly PortalUser StandIn = new() { UserName = "stand-in", Email = "stand-in@invalid" };
    private static string? _standInHash;

    private static string StandInHash(IPasswordHasher<PortalUser> hasher) =>
        _standInHash ??= hasher.HashPassword(StandIn, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));

    private static IResult Throttled(HttpContext http, TimeSpan retryAfter, Microsoft.Extensions.Localization.IStringLocalizer text, string back)
    {
        var minutes = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalMinutes));
        http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var message = System.Net.WebUtility.HtmlEncode(string.Format(text["Login.Error.Throttled"], minutes));
        var link = System.Net.WebUtility.HtmlEncode(LoginUrl(null, back));
        var html = $"<!DOCTYPE html><html lang=\"{System.Globalization.CultureInfo.CurrentUICulture.TwoLetterISOLanguageName}\"><head><meta charset=\"utf-8\"><title>PrPortal</title><link rel=\"stylesheet\" href=\"/app.css\"></head>"
            + $"<body><main style=\"max-width:480px;margin:64px auto;font-family:sans-serif\"><p id=\"login-throttled\">{message}</p><p><a href=\"{link}\">{System.Net.WebUtility.HtmlEncode(text["Login.Title"])}</a></p></main></body></html>";
        return Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, StatusCodes.Status429TooManyRequests);
    }

    /// <summary>Only same-site paths are followed after sign-in; anything else goes home.</summary>
    public static string LocalOrRoot(string? returnUrl) => TryLocal(returnUrl, out var back) ? back : "/";

    /// <summary>
    /// A return URL is a path on this site: empty (home), or "/" followed by printable ASCII with no
    /// second slash or backslash at the start and no scheme. Anything else is malformed (a 400).
    /// </summary>
    public static bool TryLocal(string? returnUrl, out string back)
    {
        back = "/";
        if (string.IsNullOrEmpty(returnUrl))
        {
            return true;
        }
        var url = returnUrl;
        if (url.Length > 2048 || url[0] != '/' || (url.Length > 1 && (url[1] == '/' || url[1] == '\\'))
            || url.Contains("://", StringComparison.Ordinal) || url.Any(c => c is < '!' or > '~' || c == '\\'))
        {
            return false;
        }
        back = url;
        return true;
    }
}
