using PrPortal.Features.SenderAuth;
using PrPortal.Hosting;
using PrPortal.Infrastructure.Dns;

namespace PrPortal.Features.LinkRisk;

/// <summary>`link-check FILE|- [--dns HOST:PORT]`: the links of release HTML, followed and checked, as JSON.</summary>
public static class LinkCheckVerb
{
    private const string Usage = "Usage: link-check FILE|- [--dns HOST:PORT]";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken)
    {
        string? file = null, server = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--dns" when i + 1 < args.Length:
                    server = args[++i];
                    break;
                case var a when file is null && (a == "-" || !a.StartsWith("--", StringComparison.Ordinal)):
                    file = a;
                    break;
                default:
                    throw new OpsVerbs.VerbUsageException($"unexpected '{args[i]}'. {Usage}");
            }
        }
        if (file is null)
        {
            throw new OpsVerbs.VerbUsageException(Usage);
        }
        var options = services.GetRequiredService<LinkRiskOptions>();
        string html;
        try
        {
            if (file != "-" && new FileInfo(file).Length > options.MaxHtmlBytes)
            {
                throw new OpsVerbs.VerbUsageException($"{file} is larger than {options.MaxHtmlBytes / 1024 / 1024} MB (LinkRisk:MaxHtmlBytes).");
            }
            html = file == "-" ? await Console.In.ReadToEndAsync(cancellationToken) : await File.ReadAllTextAsync(file, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OpsVerbs.VerbUsageException($"cannot read {file}: {e.Message}");
        }
        IDnsResolver dns = services.GetRequiredService<IDnsResolver>();
        if (server is not null)
        {
            dns = OpsVerbs.DnsFor(services, server);
        }
        var checker = new LinkRiskChecker(options, dns, services.GetRequiredService<PublicSuffixList>(), TimeProvider.System);
        var report = await checker.CheckAsync(html, null, cancellationToken);
        OpsVerbs.Print(report.ToContract());
        return 0;
    }
}
