using System.Net.Mail;
using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;

namespace PrPortal.Features.Users;

public sealed record UserRow(string Id, string Email, string? DisplayName, string Role, bool IsDisabled, DateTime CreatedAtUtc,
    DateTime? LockedUntilUtc = null, int FailedSignIns = 0, bool HasPassword = true)
{
    public bool IsLocked => !IsDisabled && LockedUntilUtc is not null;
}

public sealed record NewUser
{
    public string Email { get; set; } = "";
    public string? DisplayName { get; set; }
    public string Role { get; set; } = PortalRoles.Support;
    public string Password { get; set; } = "";
}

/// <summary>The outcome of a change: null error means done; otherwise the error is shown to the admin.</summary>
public sealed record UserChangeResult(string? Error)
{
    public bool Succeeded => Error is null;
    public static readonly UserChangeResult Ok = new((string?)null);
}

/// <summary>
/// User management for administrators. Every call checks the caller's role on the server, and each
/// operation runs in its own scope so a long-lived circuit never holds a stale DbContext.
/// </summary>
public sealed class UserService(IServiceScopeFactory scopes, TimeProvider clock)
{
    public async Task<IReadOnlyList<UserRow>> ListAsync(ClaimsPrincipal actor, CancellationToken cancellationToken)
    {
        EnsureAdmin(actor);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Data.PortalDbContext>();
        var roleByUser = await (
                from ur in db.UserRoles
                join r in db.Roles on ur.RoleId equals r.Id
                select new { ur.UserId, r.Name })
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        var roles = roleByUser.GroupBy(x => x.UserId).ToDictionary(g => g.Key, g => g.Select(x => x.Name!).Order().First());

        var users = await db.Users.AsNoTracking().OrderBy(u => u.Email).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();
        return users
            .Select(u => new UserRow(u.Id, u.Email ?? u.UserName ?? "", u.DisplayName, roles.GetValueOrDefault(u.Id, ""), u.IsDisabled, u.CreatedAtUtc,
                u.LockoutEnd is { } end && end > now ? end.UtcDateTime : null, u.AccessFailedCount, u.PasswordHash is not null))
            .ToList();
    }

    public async Task<UserChangeResult> CreateAsync(ClaimsPrincipal actor, NewUser input, CancellationToken cancellationToken)
    {
        EnsureAdmin(actor);
        var email = input.Email.Trim();
        if (!MailAddress.TryCreate(email, out _))
        {
            return new("Users.Error.Email");
        }
        if (!PortalRoles.All.Contains(input.Role))
        {
            return new("Users.Error.Role");
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        if (await users.FindByEmailAsync(email) is not null)
        {
            return new("Users.Error.Exists");
        }
        var user = new PortalUser
        {
            UserName = email,
            Email = email,
            EmailConfirmed = true,
            DisplayName = string.IsNullOrWhiteSpace(input.DisplayName) ? null : input.DisplayName.Trim(),
            CreatedAtUtc = clock.GetUtcNow().UtcDateTime,
        };
        var created = await users.CreateAsync(user, input.Password);
        return created.Succeeded ? Result(await users.AddToRoleAsync(user, input.Role)) : Result(created);
    }

    public Task<UserChangeResult> SetRoleAsync(ClaimsPrincipal actor, string userId, string role, CancellationToken cancellationToken) =>
        ChangeUserAsync(actor, userId, async (users, user) =>
        {
            if (!PortalRoles.All.Contains(role))
            {
                return new("Users.Error.Role");
            }
            var current = await users.GetRolesAsync(user);
            if (current.Contains(PortalRoles.Admin) && role != PortalRoles.Admin && await IsLastActiveAdminAsync(users, user))
            {
                return new("Users.Error.LastAdmin");
            }
            await users.RemoveFromRolesAsync(user, current);
            var added = await users.AddToRoleAsync(user, role);
            // A new security stamp ends the user's open sessions, so the new role applies at once.
            await users.UpdateSecurityStampAsync(user);
            return Result(added);
        });

    public Task<UserChangeResult> SetDisabledAsync(ClaimsPrincipal actor, string userId, bool disabled, CancellationToken cancellationToken) =>
        ChangeUserAsync(actor, userId, async (users, user) =>
        {
            if (disabled && user.Id == users.GetUserId(actor))
            {
                return new("Users.Error.Self");
            }
            if (disabled && await users.IsInRoleAsync(user, PortalRoles.Admin) && await IsLastActiveAdminAsync(users, user))
            {
                return new("Users.Error.LastAdmin");
            }
            user.IsDisabled = disabled;
            user.LockoutEnabled = true;
            user.LockoutEnd = disabled ? DateTimeOffset.MaxValue : null;
            var updated = await users.UpdateAsync(user);
            await users.UpdateSecurityStampAsync(user);
            return Result(updated);
        });

    /// <summary>Lifts a lock-out (too many failed sign-ins) at once; the audit names who did it.</summary>
    public Task<UserChangeResult> UnlockAsync(ClaimsPrincipal actor, string userId, CancellationToken cancellationToken) =>
        ChangeUserAsync(actor, userId, async (users, user) =>
        {
            if (user.IsDisabled)
            {
                return new("Users.Error.Disabled");
            }
            var until = user.LockoutEnd;
            await users.SetLockoutEndDateAsync(user, null);
            var reset = await users.ResetAccessFailedCountAsync(user);
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<Data.PortalDbContext>();
            db.AuditEntries.Add(new Data.Entities.AuditEntry
            {
                AtUtc = clock.GetUtcNow().UtcDateTime,
                Actor = actor.Identity?.Name ?? "unknown",
                Action = "user.unlocked",
                Subject = user.Email ?? user.Id,
                Detail = until is null ? null : System.Text.Json.JsonSerializer.Serialize(new { locked_until = until.Value.UtcDateTime }),
            });
            await db.SaveChangesAsync(cancellationToken);
            return Result(reset);
        });

    /// <summary>Sets a new password (also for demo account managers, who start without one) and ends the user's sessions.</summary>
    public Task<UserChangeResult> SetPasswordAsync(ClaimsPrincipal actor, string userId, string password, CancellationToken cancellationToken) =>
        ChangeUserAsync(actor, userId, async (users, user) =>
        {
            foreach (var validator in users.PasswordValidators)
            {
                var valid = await validator.ValidateAsync(users, user, password);
                if (!valid.Succeeded)
                {
                    return Result(valid);
                }
            }
            if (await users.HasPasswordAsync(user))
            {
                await users.RemovePasswordAsync(user);
            }
            var added = await users.AddPasswordAsync(user, password);
            // A forgotten password often follows a lock-out: the new one works at once.
            await users.SetLockoutEndDateAsync(user, user.IsDisabled ? DateTimeOffset.MaxValue : null);
            await users.ResetAccessFailedCountAsync(user);
            await users.UpdateSecurityStampAsync(user);
            return Result(added);
        });

    private async Task<UserChangeResult> ChangeUserAsync(
        ClaimsPrincipal actor, string userId, Func<UserManager<PortalUser>, PortalUser, Task<UserChangeResult>> change)
    {
        EnsureAdmin(actor);
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByIdAsync(userId);
        return user is null ? new("Users.Error.NotFound") : await change(users, user);
    }

    private static UserChangeResult Result(IdentityResult result) =>
        result.Succeeded ? UserChangeResult.Ok : new(string.Join(" ", result.Errors.Select(e => e.Description)));

    private static async Task<bool> IsLastActiveAdminAsync(UserManager<PortalUser> users, PortalUser user)
    {
        var admins = await users.GetUsersInRoleAsync(PortalRoles.Admin);
        return admins.Count(a => !a.IsDisabled && a.Id != user.Id) == 0;
    }

    private static void EnsureAdmin(ClaimsPrincipal actor)
    {
        if (!actor.IsInRole(PortalRoles.Admin))
        {
            throw new UnauthorizedAccessException("User management needs the Admin role.");
        }
    }
}
