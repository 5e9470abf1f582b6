namespace PrPortal.Features.Releases;

public static class Registration
{
    /// <summary>Releases with their content, from the distribution system (API and import verb).</summary>
    public static IServiceCollection AddReleases(this IServiceCollection services)
    {
        services.AddSingleton<ReleaseImporter>();
        return services;
    }
}
