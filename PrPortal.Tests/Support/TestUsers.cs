using System.Security.Claims;

namespace PrPortal.Tests.Support;

/// <summary>A signed-in user of one role, for calling services the way a page does.</summary>
public static class TestUsers
{
    public static ClaimsPrincipal As(string role) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, $"{role.ToLowerInvariant()}@test"), new Claim(ClaimTypes.Role, role)], "test"));

    /// <summary>An account manager: the portal user whose id the companies name.</summary>
    public static ClaimsPrincipal AccountManager(string userId, string email) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, email), new Claim(ClaimTypes.NameIdentifier, userId),
            new Claim(ClaimTypes.Role, Features.Account.PortalRoles.AccountManager)], "test"));
}
