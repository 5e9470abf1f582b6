using System.Security.Claims;
using PrPortal.Data.Entities;
using PrPortal.Features.Reports;
using PrPortal.Hosting;

namespace PrPortal.Features.Resend;

/// <summary>
/// `resend plan (--incident ID | --from T --until T) [--company ID]... [--category C]...`: what a one-click
/// batch would hold, without creating it. `resend create` (same scope) `--consent TEXT`: creates it.
/// `resend run [--batch ID]`: sends queued batches in the foreground (what the resend job does); any
/// number may run at once, and each may be stopped at any point and run again. `resend list`: the
/// latest batches with their counts.
/// </summary>
public static class ResendVerb
{
    private const string Usage = "Usage: resend plan|create (--incident ID | --from T --until T) [--company ID]... [--category C]... [--consent TEXT] | resend run [--batch ID] | resend list";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken)
    {
        switch (args)
        {
            case ["run"]:
                OpsVerbs.Print(await services.GetRequiredService<ResendRunner>().RunAsync(null, cancellationToken));
                return 0;
            case ["run", "--batch", var text]:
                if (!int.TryParse(text, out var id) || id <= 0)
                {
                    throw new OpsVerbs.VerbUsageException($"--batch '{text}' is not a batch number.");
                }
                OpsVerbs.Print(await services.GetRequiredService<ResendRunner>().RunAsync(id, cancellationToken));
                return 0;
            case ["list"]:
                OpsVerbs.Print(await services.GetRequiredService<ResendService>().BatchesAsync(Operator, 50, cancellationToken));
                return 0;
            case ["plan", .. var rest]:
                return await PlanOrCreateAsync(services, rest, create: false, cancellationToken);
            case ["create", .. var rest]:
                return await PlanOrCreateAsync(services, rest, create: true, cancellationToken);
            default:
                throw new OpsVerbs.VerbUsageException(Usage);
        }
    }

    private static readonly ClaimsPrincipal Operator =
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "ops"), new Claim(ClaimTypes.Role, Account.PortalRoles.Admin)], "ops"));

    private static async Task<int> PlanOrCreateAsync(IServiceProvider services, string[] args, bool create, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, List<string>>();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..] : null;
            if (name is not ("incident" or "from" or "until" or "company" or "category" or "consent") || (name == "consent" && !create))
            {
                throw new OpsVerbs.VerbUsageException($"unknown option '{args[i]}'. {Usage}");
            }
            if (i + 1 >= args.Length)
            {
                throw new OpsVerbs.VerbUsageException($"{args[i]} needs a value. {Usage}");
            }
            (values.TryGetValue(name, out var list) ? list : values[name] = []).Add(args[++i]);
        }
        IReadOnlyList<string> Get(string name) => values.GetValueOrDefault(name) ?? [];
        AffectedScope scope;
        try
        {
            scope = AffectedCsv.ParseScope(Get);
        }
        catch (ArgumentException e)
        {
            throw new OpsVerbs.VerbUsageException(e.Message);
        }
        if (scope.IncidentId is not null && (scope.FromUtc is not null || scope.UntilUtc is not null))
        {
            throw new OpsVerbs.VerbUsageException($"names an incident or a period, not both. {Usage}");
        }
        if (scope.IncidentId is null && (scope.FromUtc is null || scope.UntilUtc is null))
        {
            throw new OpsVerbs.VerbUsageException($"names an incident (--incident ID) or a period (--from T --until T). {Usage}");
        }
        if (scope.FromUtc >= scope.UntilUtc)
        {
            throw new OpsVerbs.VerbUsageException("--from must be before --until.");
        }
        var companies = Get("company").Select(c => int.TryParse(c, out var id) && id > 0 ? id
            : throw new OpsVerbs.VerbUsageException($"--company '{c}' is not a company id.")).Distinct().ToList();
        var categories = Get("category").Select(ParseCategory).Distinct().ToList();
        var consent = Get("consent").LastOrDefault()?.Trim();
        if (create && string.IsNullOrEmpty(consent))
        {
            throw new OpsVerbs.VerbUsageException("resend create needs --consent TEXT: who agreed, and how (for the batch's record).");
        }
        if (consent is { Length: > 500 })
        {
            throw new OpsVerbs.VerbUsageException("--consent is longer than 500 characters.");
        }
        var resends = services.GetRequiredService<ResendService>();
        if (scope.IncidentId is { } incidentId && !await resends.IncidentExistsAsync(incidentId, cancellationToken))
        {
            throw new OpsVerbs.VerbUsageException($"incident {incidentId} does not exist.");
        }
        var request = new ResendRequest { Scope = scope, CompanyIds = companies, Categories = categories, ConsentReference = consent };
        var plan = await resends.PlanAsync(request, cancellationToken);
        int? batch = null;
        if (create)
        {
            (batch, plan) = await resends.CreateWithPlanAsync(request, "ops", cancellationToken);
        }
        var output = new Dictionary<string, object?>
        {
            ["items"] = plan.Total,
            ["by_category"] = plan.ToSend.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value),
            ["excluded"] = new Dictionary<string, int>
            {
                ["userunknown"] = plan.ExcludedOwnReason,
                ["delivered_since"] = plan.ExcludedDelivered,
                ["unsubscribed"] = plan.ExcludedUnsubscribed,
                ["in_other_batch"] = plan.ExcludedElsewhere,
                ["declined"] = plan.ExcludedDeclined,
                ["no_consent"] = plan.ExcludedNoConsent,
                ["no_body"] = plan.ExcludedNoBody,
            },
        };
        if (create)
        {
            output["batch"] = batch;
        }
        OpsVerbs.Print(output);
        return 0;
    }

    private static RecipientCategory ParseCategory(string text)
    {
        var plain = text.Replace("_", "").Replace("-", "").Trim();
        return Enum.TryParse<RecipientCategory>(plain, ignoreCase: true, out var category) && Enum.IsDefined(category) && !int.TryParse(plain, out _)
            ? category
            : throw new OpsVerbs.VerbUsageException($"--category '{text}' is not one of {string.Join(", ", RecipientCategories.All)}.");
    }
}
