namespace PrPortal.Features.Delivery;

public static class Registration
{
    /// <summary>The delivery engine and what sends through it (test sends, generated traffic, deferred retries); options are read by the host.</summary>
    public static IServiceCollection AddDelivery(this IServiceCollection services)
    {
        services.AddSingleton<DeliveryLogWriter>();
        services.AddSingleton<DeliveryEngine>();
        services.AddSingleton<AttemptRecorder>();
        services.AddSingleton<DeliveryService>();
        services.AddSingleton<ReleaseSender>();
        services.AddSingleton<TrafficGenerator>();
        services.AddSingleton<DeferredRetry>();
        services.AddHostedService(sp => sp.GetRequiredService<DeferredRetry>());
        return services;
    }
}
