namespace PrPortal.Pipeline;

public static class Registration
{
    /// <summary>The attempt pipeline every source records through.</summary>
    public static IServiceCollection AddAttemptPipeline(this IServiceCollection services) =>
        services.AddSingleton<AttemptPipeline>().AddHostedService<RecordKeyPruner>();
}
