using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;

namespace PrPortal.Features.Reports;

/// <summary>The report's tables as CSV (UTF-8 with BOM, so Excel in Japanese opens it), and how a scope is read from a query or a command line.</summary>
public static class AffectedCsv
{
    public static readonly string[] Tables = ["categories", "companies", "releases", "days"];

    public static async Task WriteAsync(AffectedReport report, string table, Stream output, Func<string, string> label, CancellationToken cancellationToken)
    {
        await using var csv = new Infrastructure.Csv.CsvOut(output);
        var categories = RecipientCategories.All;
        Task Row(IEnumerable<object?> fields) => csv.RowAsync(fields);
        switch (table)
        {
            case "categories":
                await Row([label("Category"), label("FailedAddresses"), label("FailedMails"), label("AffectedReleases"), label("NotResent"), label("Resent"), label("Declined")]);
                foreach (var c in report.Categories)
                {
                    await Row([label(RecipientCategories.Key(c.Category)), c.FailedAddresses, c.FailedMails, c.AffectedReleases, c.NotResent, c.Resent, c.Declined]);
                }
                var t = report.Totals;
                await Row([label("Total"), t.FailedAddresses, t.FailedMails, t.AffectedReleases, t.NotResent, t.Resent, t.Declined]);
                await Row([label("MailsInPeriod"), report.MailsInPeriod, label("ShareOfMails"), report.Share]);
                break;
            case "companies":
                await Row([label("Company"), label("AccountManager"), label("AffectedReleases"), .. categories.Select(c => label(RecipientCategories.Key(c))),
                    label("FailedMails"), label("NotResent"), label("Resent"), label("Declined"), label("ContactStatus"), label("ContactNote"), label("ContactBy"), label("ContactAt")]);
                foreach (var c in report.Companies)
                {
                    await Row([c.Company, c.AccountManager, c.AffectedReleases, .. categories.Select(x => (object)c.FailedByCategory[x]),
                        c.FailedMails, c.NotResent, c.Resent, c.Declined, label("Contact" + c.Contact), c.Note, c.ContactBy, c.ContactAtUtc]);
                }
                break;
            case "releases":
                await Row([label("ReleaseTitle"), label("PublishedAt"), label("Company"), .. categories.Select(c => label(RecipientCategories.Key(c))), label("FailedMails")]);
                foreach (var r in report.Releases)
                {
                    await Row([r.Title, r.PublishedAtUtc, r.Company, .. categories.Select(x => (object)r.FailedByCategory[x]), r.FailedMails]);
                }
                break;
            case "days":
                await Row([label("Day"), .. categories.Select(c => label(RecipientCategories.Key(c)))]);
                foreach (var d in report.Days)
                {
                    await Row([d.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), .. categories.Select(x => (object)d.FailedByCategory.GetValueOrDefault(x))]);
                }
                break;
            default:
                throw new ArgumentException($"unknown table '{table}'; one of {string.Join(", ", Tables)}");
        }
    }

    /// <summary>A scope from named values (query string or verb options): incident, from, until, provider, ip, reason.</summary>
    public static AffectedScope ParseScope(Func<string, IReadOnlyList<string>> values)
    {
        string? One(string name) => values(name).LastOrDefault(v => !string.IsNullOrWhiteSpace(v));
        DateTime? Time(string name)
        {
            var text = One(name);
            if (text is null)
            {
                return null;
            }
            return DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
                ? t : throw new ArgumentException($"{name}: '{text}' is not a date or time (use 2026-11-01 or 2026-11-01T09:00Z)");
        }
        int? incident = null;
        if (One("incident") is { } incidentText)
        {
            incident = int.TryParse(incidentText, out var id) && id > 0 ? id : throw new ArgumentException($"incident: '{incidentText}' is not an incident number");
        }
        var ips = values("ip").Select(v => int.TryParse(v, out var id) ? id : throw new ArgumentException($"ip: '{v}' is not a sending IP id")).ToList();
        var reasons = values("reason").Where(r => !string.IsNullOrWhiteSpace(r)).Select(r => r.Trim().ToLowerInvariant()).ToList();
        foreach (var reason in reasons.Where(r => !r.All(ch => char.IsAsciiLetterLower(ch) || ch == '_')))
        {
            throw new ArgumentException($"reason: '{reason}' is not a reason name (expired, networkerror, …)");
        }
        return new AffectedScope
        {
            IncidentId = incident,
            FromUtc = Time("from"),
            UntilUtc = Time("until"),
            Providers = values("provider").Where(p => !string.IsNullOrWhiteSpace(p)).ToList(),
            SendingIpIds = ips,
            ExtraReasons = reasons,
        };
    }

    /// <summary>The download link of one table for a scope: what <see cref="ParseScope"/> reads back.</summary>
    public static string Link(AffectedScope scope, string table)
    {
        var query = new List<string> { $"table={table}" };
        if (scope.IncidentId is { } incident)
        {
            query.Add($"incident={incident}");
        }
        else
        {
            query.Add($"from={scope.FromUtc:yyyy-MM-ddTHH:mm:ssZ}");
            query.Add($"until={scope.UntilUtc:yyyy-MM-ddTHH:mm:ssZ}");
            query.AddRange(scope.Providers.Select(p => $"provider={Uri.EscapeDataString(p)}"));
        }
        query.AddRange(scope.SendingIpIds.Select(ip => $"ip={ip}"));
        query.AddRange(scope.ExtraReasons.Select(r => $"reason={Uri.EscapeDataString(r)}"));
        return "/reports/affected.csv?" + string.Join("&", query);
    }

    public static void MapEndpoints(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/reports/affected.csv", async (HttpContext http, AffectedReportService reports, IDbContextFactory<PortalDbContext> factory,
            Microsoft.Extensions.Localization.IStringLocalizer<Resources.SharedResource> text) =>
        {
            AffectedScope scope;
            var table = http.Request.Query["table"].LastOrDefault() ?? "categories";
            try
            {
                scope = ParseScope(name => http.Request.Query[name].Where(v => v is not null).Select(v => v!).ToList());
                if (!Tables.Contains(table))
                {
                    throw new ArgumentException($"table: '{table}' is not one of {string.Join(", ", Tables)}");
                }
            }
            catch (ArgumentException e)
            {
                return Results.BadRequest(e.Message);
            }
            await using (var db = await factory.CreateDbContextAsync(http.RequestAborted))
            {
                scope = scope with { Companies = await Account.CompanyAccess.VisibleCompaniesAsync(http.User, db, http.RequestAborted) };
            }
            AffectedReport report;
            try
            {
                report = await reports.BuildAsync(scope, http.RequestAborted);
            }
            catch (ArgumentException e)
            {
                return Results.BadRequest(e.Message);
            }
            http.Response.ContentType = "text/csv; charset=utf-8";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"affected-{table}.csv\"";
            await WriteAsync(report, table, http.Response.Body, key => text[key], http.RequestAborted);
            return Results.Empty;
        });
}
