using Microsoft.Extensions.Configuration;

namespace PrPortal.Features.Bounces;

public static class Registration
{
    /// <summary>Bounces: classification, DSN files and the IMAP bounce mailbox (through the pipeline).</summary>
    public static IServiceCollection AddBounces(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Hosting.PortalConfiguration.Bind<BounceMailboxOptions>(configuration, "BounceMailbox"));
        services.AddSingleton<BounceClassifier>();
        services.AddSingleton<BounceIngestor>();
        services.AddSingleton<BounceMailboxService>();
        return services;
    }
}
