using Microsoft.Extensions.Configuration;

namespace PrPortal.Features.SendLog;

public static class Registration
{
    /// <summary>Send-log reading: files and the ingest API (through the pipeline), and the follower of live logs.</summary>
    public static IServiceCollection AddSendLog(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Hosting.PortalConfiguration.ReadSendLog(configuration));
        services.AddSingleton(Hosting.PortalConfiguration.Bind<IngestApiOptions>(configuration, "IngestApi"));
        services.AddSingleton<SendLogIngestor>();
        services.AddSingleton<LogFollowerService>();
        services.AddHostedService(sp => sp.GetRequiredService<LogFollowerService>());
        return services;
    }
}
