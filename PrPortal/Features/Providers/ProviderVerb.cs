using PrPortal.Hosting;
using PrPortal.Infrastructure.Dns;

namespace PrPortal.Features.Providers;

/// <summary>`provider DOMAIN [--mx HOST]... [--dns HOST:PORT]`: which mailbox provider receives a domain's mail.</summary>
public static class ProviderVerb
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken)
    {
        string? domain = null;
        var mx = new List<string>();
        string? dnsServer = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--mx" when i + 1 < args.Length:
                    mx.Add(args[++i]);
                    break;
                case "--dns" when i + 1 < args.Length:
                    dnsServer = args[++i];
                    break;
                case var option when option.StartsWith("--", StringComparison.Ordinal):
                    throw new OpsVerbs.VerbUsageException($"unknown option or missing value: '{option}'. Usage: provider DOMAIN [--mx HOST]... [--dns HOST:PORT]");
                default:
                    if (domain is not null)
                    {
                        throw new OpsVerbs.VerbUsageException($"one domain at a time, got '{domain}' and '{args[i]}'.");
                    }
                    domain = args[i];
                    break;
            }
        }
        if (string.IsNullOrWhiteSpace(domain) || !IsDomain(domain))
        {
            throw new OpsVerbs.VerbUsageException($"a domain name is required, got '{domain}'. Usage: provider DOMAIN [--mx HOST]... [--dns HOST:PORT]");
        }

        ProviderResolution result;
        if (mx.Count > 0)
        {
            result = ProviderResolver.FromGivenMx(domain, mx);
        }
        else
        {
            var resolver = services.GetRequiredService<ProviderResolver>();
            if (dnsServer is not null)
            {
                resolver = new ProviderResolver(OpsVerbs.DnsFor(services, dnsServer), services.GetRequiredService<TimeProvider>());
            }
            result = await resolver.ResolveAsync(domain, cancellationToken);
        }
        OpsVerbs.Print(new { domain = result.Domain, provider = result.Provider, mx = result.Mx, source = result.Source });
        return 0;
    }

    private static bool IsDomain(string value) =>
        Uri.CheckHostName(value.TrimEnd('.')) == UriHostNameType.Dns && value.Contains('.');
}
