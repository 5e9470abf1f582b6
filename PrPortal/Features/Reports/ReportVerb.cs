using PrPortal.Hosting;

namespace PrPortal.Features.Reports;

/// <summary>
/// `report affected (--incident ID | --from T --until T) [--provider P]… [--ip ID]… [--reason R]… [--format json|csv] [--table T]`:
/// the affected-release report with the page's numbers. CSV is UTF-8 with BOM, English headers.
/// </summary>
public static class ReportVerb
{
    private const string Usage = "Usage: report affected (--incident ID | --from T --until T) [--provider P] [--ip ID] [--reason R] [--format json|csv] [--table categories|companies|releases|days]";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken)
    {
        if (args.Length == 0 || args[0] != "affected")
        {
            throw new OpsVerbs.VerbUsageException(Usage);
        }
        var values = new Dictionary<string, List<string>>();
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--") || i + 1 >= args.Length)
            {
                throw new OpsVerbs.VerbUsageException($"unexpected '{args[i]}'. {Usage}");
            }
            var name = args[i][2..];
            if (name is not ("incident" or "from" or "until" or "provider" or "ip" or "reason" or "format" or "table"))
            {
                throw new OpsVerbs.VerbUsageException($"unknown option '{args[i]}'. {Usage}");
            }
            (values.TryGetValue(name, out var list) ? list : values[name] = []).Add(args[++i]);
        }
        IReadOnlyList<string> Get(string name) => values.GetValueOrDefault(name) ?? [];
        var format = Get("format").LastOrDefault() ?? "json";
        var table = Get("table").LastOrDefault() ?? "categories";
        if (format is not ("json" or "csv"))
        {
            throw new OpsVerbs.VerbUsageException($"--format '{format}' is not json or csv.");
        }
        if (!AffectedCsv.Tables.Contains(table))
        {
            throw new OpsVerbs.VerbUsageException($"--table '{table}' is not one of {string.Join(", ", AffectedCsv.Tables)}.");
        }
        AffectedReport report;
        try
        {
            var scope = AffectedCsv.ParseScope(Get);
            if (scope.IncidentId is null && (scope.FromUtc is null || scope.UntilUtc is null))
            {
                throw new ArgumentException($"names an incident or a period. {Usage}");
            }
            report = await services.GetRequiredService<AffectedReportService>().BuildAsync(scope, cancellationToken);
        }
        catch (ArgumentException e)
        {
            throw new OpsVerbs.VerbUsageException(e.Message);
        }
        if (format == "csv")
        {
            await using var stdout = Console.OpenStandardOutput();
            await AffectedCsv.WriteAsync(report, table, stdout, EnglishLabel, cancellationToken);
            return 0;
        }
        OpsVerbs.Print(new
        {
            scope = report.Scope.Describe(),
            from_utc = report.FromUtc,
            until_utc = report.UntilUtc,
            categories = report.Categories.Select(c => new
            {
                category = c.Category.ToString(), failed_addresses = c.FailedAddresses, failed_mails = c.FailedMails,
                affected_releases = c.AffectedReleases, not_resent = c.NotResent, resent = c.Resent, declined = c.Declined,
            }),
            totals = new
            {
                failed_addresses = report.Totals.FailedAddresses, failed_mails = report.Totals.FailedMails,
                affected_releases = report.Totals.AffectedReleases, not_resent = report.Totals.NotResent,
                resent = report.Totals.Resent, declined = report.Totals.Declined,
            },
            mails_in_period = report.MailsInPeriod,
            share = Math.Round(report.Share, 6),
            companies = report.Companies.Count,
            releases = report.Releases.Count,
            seconds = report.Seconds,
        });
        return 0;
    }

    /// <summary>Header words for the verb's CSV, which has no request culture.</summary>
    private static string EnglishLabel(string key) => key switch
    {
        _ when key.StartsWith("Category") && key.Length > "Category".Length => key["Category".Length..],
        _ when key.StartsWith("Contact") && Enum.TryParse<Data.Entities.ContactStatus>(key["Contact".Length..], out var s) => s.ToString(),
        _ => System.Text.RegularExpressions.Regex.Replace(key, "(?<=[a-z])(?=[A-Z])", "_").ToLowerInvariant(),
    };
}
