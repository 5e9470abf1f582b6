using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;
using PrPortal.Features.Alerts;
using PrPortal.Features.Delivery;

namespace PrPortal.Features.SenderAuth;

/// <summary>A sender domain as the page lists it, with its last check.</summary>
public sealed record SenderDomainView(int Id, int CompanyId, string Company, string Domain, string Selector, string DkimRecordName,
    string DkimRecord, bool CustomFromAllowed, DateTime? CheckedAtUtc, DateTime? SuspendedAtUtc, SenderCheckReport? LastCheck);

/// <summary>
/// Registers sender domains (making their DKIM key), checks them against DNS, keeps the gate's status,
/// and alerts the account manager when a domain that passed stops passing. Roles are checked here,
/// not only on the page: Admin and Support manage every domain; an account manager sees and checks
/// only its own companies' domains.
/// </summary>
public sealed class SenderDomainService(
    IDbContextFactory<PortalDbContext> factory,
    SenderDomainChecker checker,
    ISpfDns dns,
    DkimKeys keys,
    SenderGate gate,
    SenderAuthOptions options,
    DeliveryOptions delivery,
    AlertService alerts,
    TimeProvider clock,
    ILogger<SenderDomainService> logger)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
    };

    public async Task<IReadOnlyList<SenderDomainView>> ListAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var visible = await CompanyAccess.VisibleCompaniesAsync(user, db, cancellationToken);
        var rows = await db.SenderDomains.AsNoTracking()
            .Where(d => visible == null || visible.Contains(d.CompanyId))
            .OrderBy(d => d.Domain)
            .Select(d => new { d.Id, d.CompanyId, Company = d.Company!.Name, d.Domain, d.Selector, d.DkimPublicKey, d.CustomFromAllowed, d.CheckedAtUtc, d.SuspendedAtUtc, d.LastCheckJson })
            .ToListAsync(cancellationToken);
        return rows.Select(d => new SenderDomainView(d.Id, d.CompanyId, d.Company, d.Domain, d.Selector, DkimCheck.RecordName(d.Selector, d.Domain),
            DkimKeys.Record(d.DkimPublicKey), d.CustomFromAllowed, d.CheckedAtUtc, d.SuspendedAtUtc,
            d.LastCheckJson is null ? null : JsonSerializer.Deserialize<SenderCheckReport>(d.LastCheckJson, Json))).ToList();
    }

    /// <summary>Registers a company's domain with a new DKIM key and checks it at once.</summary>
    public async Task<SenderDomainView> AddAsync(ClaimsPrincipal user, int companyId, string domain, CancellationToken cancellationToken)
    {
        RequireManager(user);
        domain = (domain ?? "").Trim().TrimEnd('.').ToLowerInvariant();
        if (!SpfEvaluator.IsValidDomain(domain) || domain.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '-')))
        {
            throw new ArgumentException($"'{domain}' is not a domain name (letters, digits, '-' and '.', two labels or more).");
        }
        if (domain == ReleaseMessage.SenderDomain || domain == ReleaseMessage.BounceDomain || SpfEvaluator.IsSameOrSubdomain(domain, "prportal.example"))
        {
            throw new ArgumentException($"{domain} is the service's own domain; it needs no registration.");
        }
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            if (!await db.Companies.AnyAsync(c => c.Id == companyId, cancellationToken))
            {
                throw new ArgumentException($"There is no company {companyId}.");
            }
            if (await db.SenderDomains.AnyAsync(d => d.Domain == domain, cancellationToken))
            {
                throw new ArgumentException($"{domain} is already registered.");
            }
            var pair = DkimKeys.Generate();
            var now = clock.GetUtcNow().UtcDateTime;
            db.SenderDomains.Add(new SenderDomain
            {
                CompanyId = companyId,
                Domain = domain,
                Selector = options.SelectorPrefix + now.ToString("yyyyMM", System.Globalization.CultureInfo.InvariantCulture),
                DkimPublicKey = pair.PublicKey,
                DkimPrivateKeyProtected = keys.Protect(pair.PrivateKeyPem),
                CreatedAtUtc = now,
            });
            await db.SaveChangesAsync(cancellationToken);
        }
        logger.LogInformation("Sender domain {Domain} registered for company {Company} by {User}", domain, companyId, user.Identity?.Name);
        await CheckAsync(domain, cancellationToken);
        return (await ListAsync(user, cancellationToken)).Single(d => d.Domain == domain);
    }

    public async Task RemoveAsync(ClaimsPrincipal user, int id, CancellationToken cancellationToken)
    {
        RequireManager(user);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.SenderDomains.Where(d => d.Id == id).ExecuteDeleteAsync(cancellationToken);
        gate.Invalidate();
    }

    /// <summary>"Check now" from the page: only for a domain the user may see.</summary>
    public async Task<SenderCheckReport> CheckAsync(ClaimsPrincipal user, int id, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var visible = await CompanyAccess.VisibleCompaniesAsync(user, db, cancellationToken);
        var domain = await db.SenderDomains.Where(d => d.Id == id && (visible == null || visible.Contains(d.CompanyId)))
            .Select(d => d.Domain).SingleOrDefaultAsync(cancellationToken)
            ?? throw new UnauthorizedAccessException("This sender domain is not one of your companies'.");
        return await CheckAsync(domain, cancellationToken);
    }

    /// <summary>Checks a domain (registered or not) with the configured DNS and records the result when registered.</summary>
    public Task<SenderCheckReport> CheckAsync(string domain, CancellationToken cancellationToken) => CheckAsync(domain, dns, cancellationToken);

    public async Task<SenderCheckReport> CheckAsync(string domain, ISpfDns through, CancellationToken cancellationToken)
    {
        domain = domain.Trim().TrimEnd('.').ToLowerInvariant();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var ips = await db.SendingIps.AsNoTracking().Where(i => i.Enabled).OrderBy(i => i.Role).ThenBy(i => i.Id).Select(i => i.Address).ToListAsync(cancellationToken);
        var row = await db.SenderDomains.Include(d => d.Company).ThenInclude(c => c!.AccountManager)
            .SingleOrDefaultAsync(d => d.Domain == domain, cancellationToken);
        var report = await checker.CheckAsync(through, domain, ips, delivery.HeloName,
            row is null ? null : new SenderDomainChecker.Key(row.Selector, row.DkimPublicKey), cancellationToken);
        if (row is null)
        {
            return report;
        }

        var wasAllowed = row.CustomFromAllowed;
        row.CheckedAtUtc = report.CheckedAtUtc;
        row.CustomFromAllowed = report.CustomFromAllowed;
        row.SpfResult = report.Spf.Result;
        row.DkimStatus = report.Dkim?.Status;
        row.DmarcStatus = report.Dmarc.Status;
        row.BlockedReasons = report.CustomFromAllowed ? null : string.Join('\n', report.Blockers);
        row.LastCheckJson = JsonSerializer.Serialize(report, Json);
        if (report.CustomFromAllowed)
        {
            row.SuspendedAtUtc = null;
        }
        else if (wasAllowed)
        {
            row.SuspendedAtUtc = report.CheckedAtUtc;
        }
        await db.SaveChangesAsync(cancellationToken);
        gate.Invalidate();

        if (wasAllowed && !report.CustomFromAllowed)
        {
            logger.LogWarning("Custom From of {Domain} suspended: {Reasons}", domain, row.BlockedReasons);
            var manager = row.Company?.AccountManager?.Email;
            await alerts.NotifyAsync(new Alert($"sender-domain:{domain}", "sender-domain",
                $"Custom From suspended: {domain} ({row.Company?.Name})",
                $"{row.Company?.Name}'s releases to its own lists now go out from {options.ServiceFrom} with Reply-To the company, until {domain} passes again.\n\n"
                + string.Join('\n', report.Blockers),
                null, report.CheckedAtUtc, AlwaysSend: true, AlsoTo: manager is null ? null : [manager]), cancellationToken);
        }
        return report;
    }

    /// <summary>The daily re-check of every registered domain; one domain's failure does not stop the rest.</summary>
    public async Task<(int Checked, int Allowed, int Suspended)> CheckAllAsync(CancellationToken cancellationToken)
    {
        List<(string Domain, bool Allowed)> before;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            before = (await db.SenderDomains.AsNoTracking().OrderBy(d => d.Domain).Select(d => new { d.Domain, d.CustomFromAllowed }).ToListAsync(cancellationToken))
                .Select(d => (d.Domain, d.CustomFromAllowed)).ToList();
        }
        int allowed = 0, suspended = 0;
        foreach (var (domain, wasAllowed) in before)
        {
            var report = await CheckAsync(domain, cancellationToken);
            allowed += report.CustomFromAllowed ? 1 : 0;
            suspended += wasAllowed && !report.CustomFromAllowed ? 1 : 0;
        }
        return (before.Count, allowed, suspended);
    }

    public async Task<IReadOnlyList<(int Id, string Name)>> CompaniesAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return (await db.Companies.AsNoTracking().OrderBy(c => c.Name).Select(c => new { c.Id, c.Name }).ToListAsync(cancellationToken))
            .Select(c => (c.Id, c.Name)).ToList();
    }

    private static void RequireManager(ClaimsPrincipal user)
    {
        if (!user.IsInRole(PortalRoles.Admin) && !user.IsInRole(PortalRoles.Support))
        {
            throw new UnauthorizedAccessException("Only administrators and support staff register or remove sender domains.");
        }
    }
}
