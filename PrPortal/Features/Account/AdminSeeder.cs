using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using PrPortal.Data.Entities;
using PrPortal.Hosting;

namespace PrPortal.Features.Account;

/// <summary>Creates the roles and, when no administrator exists, the first one from Seed:AdminEmail.</summary>
public sealed class AdminSeeder(
    UserManager<PortalUser> users,
    RoleManager<IdentityRole> roles,
    SeedOptions seed,
    DemoOptions demo,
    TimeProvider clock)
{
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        foreach (var role in PortalRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)), $"role {role}");
            }
        }

        if ((await users.GetUsersInRoleAsync(PortalRoles.Admin)).Count > 0)
        {
            return;
        }

        var password = seed.AdminPassword;
        var generated = false;
        if (string.IsNullOrEmpty(password))
        {
            if (!demo.Enabled)
            {
                throw new StartupException("Configuration key 'Seed:AdminPassword' is required to create the first administrator (environment Seed__AdminPassword).");
            }
            password = GeneratePassword();
            generated = true;
        }

        var admin = await users.FindByEmailAsync(seed.AdminEmail);
        if (admin is null)
        {
            admin = new PortalUser
            {
                UserName = seed.AdminEmail,
                Email = seed.AdminEmail,
                EmailConfirmed = true,
                DisplayName = "Administrator",
                CreatedAtUtc = clock.GetUtcNow().UtcDateTime,
            };
            var created = await users.CreateAsync(admin, password);
            if (!created.Succeeded)
            {
                throw new StartupException("Configuration key 'Seed:AdminPassword' is not accepted: "
                    + string.Join(" ", created.Errors.Select(e => e.Description)));
            }
        }
        Check(await users.AddToRoleAsync(admin, PortalRoles.Admin), "admin role");

        // To standard error: a verb's standard output is JSON only.
        Console.Error.WriteLine(generated
            ? $"PrPortal administrator: {seed.AdminEmail} / password: {password}  (generated and shown only this once)"
            : $"PrPortal administrator: {seed.AdminEmail} (password from Seed:AdminPassword)");
    }

    /// <summary>16 characters with every class Identity's default rules ask for.</summary>
    public static string GeneratePassword()
    {
        const string lower = "abcdefghijkmnpqrstuvwxyz", upper = "ABCDEFGHJKLMNPQRSTUVWXYZ", digits = "23456789", symbols = "!#%+-=?@";
        const string all = lower + upper + digits + symbols;
        var chars = new char[16];
        chars[0] = lower[RandomNumberGenerator.GetInt32(lower.Length)];
        chars[1] = upper[RandomNumberGenerator.GetInt32(upper.Length)];
        chars[2] = digits[RandomNumberGenerator.GetInt32(digits.Length)];
        chars[3] = symbols[RandomNumberGenerator.GetInt32(symbols.Length)];
        for (var i = 4; i < chars.Length; i++)
        {
            chars[i] = all[RandomNumberGenerator.GetInt32(all.Length)];
        }
        RandomNumberGenerator.Shuffle(chars.AsSpan());
        return new string(chars);
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new StartupException($"Could not create {what}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
        }
    }
}
