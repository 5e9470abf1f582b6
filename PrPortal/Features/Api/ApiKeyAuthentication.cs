using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace PrPortal.Features.Api;

/// <summary>Section "Api": the keys of machine callers (log shippers, the release editor), by name and SHA-256.</summary>
public sealed record ApiOptions
{
    public List<ApiKeyEntry> Keys { get; init; } = [];
}

/// <summary>A key is configured by its hash only, so configuration never holds the key itself.</summary>
public sealed record ApiKeyEntry
{
    public string Name { get; init; } = "";
    public string Sha256 { get; init; } = "";

    public static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();
}

/// <summary>
/// Authenticates API calls by the key in "X-Api-Key" (or "Authorization: Bearer …"), never by cookie:
/// a signed-in browser cannot call the API by accident, and a key cannot open a page.
/// </summary>
public sealed class ApiKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiOptions api)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = Request.Headers["X-Api-Key"].FirstOrDefault();
        if (key is null && Request.Headers.Authorization.FirstOrDefault() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            key = auth["Bearer ".Length..].Trim();
        }
        if (string.IsNullOrEmpty(key))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var hash = Encoding.ASCII.GetBytes(ApiKeyEntry.Hash(key));
        var match = api.Keys.FirstOrDefault(k => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(k.Sha256.ToLowerInvariant()), hash));
        if (match is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("unknown API key"));
        }
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, $"api:{match.Name}")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
