using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;

namespace PrPortal.Features.Account;

/// <summary>Which companies a user may see: every service checks it, not only the pages.</summary>
public static class CompanyAccess
{
    /// <summary>Admin and Support see every company (null); an account manager only their own.</summary>
    public static async Task<IReadOnlySet<int>?> VisibleCompaniesAsync(ClaimsPrincipal user, PortalDbContext db, CancellationToken cancellationToken)
    {
        if (user.IsInRole(PortalRoles.Admin) || user.IsInRole(PortalRoles.Support))
        {
            return null;
        }
        var id = user.FindFirstValue(ClaimTypes.NameIdentifier);
        return (await db.Companies.Where(c => c.AccountManagerId == id && id != null).Select(c => c.Id).ToListAsync(cancellationToken)).ToHashSet();
    }
}
