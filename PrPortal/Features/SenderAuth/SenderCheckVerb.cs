using PrPortal.Hosting;
using PrPortal.Infrastructure.Dns;

namespace PrPortal.Features.SenderAuth;

/// <summary>
/// `sender-check --domain D [--dns HOST:PORT]`: SPF for every sending IP, our DKIM key and DMARC
/// alignment, as one JSON object. A registered domain's status is updated as by "check now".
/// </summary>
public static class SenderCheckVerb
{
    private const string Usage = "Usage: sender-check --domain DOMAIN [--dns HOST:PORT]";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken)
    {
        string? domain = null, server = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--domain" when i + 1 < args.Length:
                    domain = args[++i];
                    break;
                case "--dns" when i + 1 < args.Length:
                    server = args[++i];
                    break;
                default:
                    throw new OpsVerbs.VerbUsageException($"unexpected '{args[i]}'. {Usage}");
            }
        }
        if (domain is null)
        {
            throw new OpsVerbs.VerbUsageException(Usage);
        }
        domain = domain.Trim().TrimEnd('.').ToLowerInvariant();
        if (!SpfEvaluator.IsValidDomain(domain))
        {
            throw new OpsVerbs.VerbUsageException($"'{domain}' is not a domain name.");
        }
        ISpfDns dns = services.GetRequiredService<ISpfDns>();
        if (server is not null)
        {
            dns = OpsVerbs.DnsFor(services, server);
        }
        var report = await services.GetRequiredService<SenderDomainService>().CheckAsync(domain, dns, cancellationToken);
        OpsVerbs.Print(report);
        return 0;
    }
}
