using Microsoft.Extensions.Configuration;

namespace PrPortal.Features.Incidents;

public static class Registration
{
    /// <summary>Detection (one detector per traffic class, fed by the pipeline) and incidents.</summary>
    public static IServiceCollection AddIncidents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Hosting.PortalConfiguration.ReadDetection(configuration));
        services.AddSingleton<IncidentService>();
        services.AddSingleton<DetectionService>();
        services.AddHostedService(sp => sp.GetRequiredService<DetectionService>());
        return services;
    }
}
