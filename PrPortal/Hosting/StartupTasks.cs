using Microsoft.Data.Sqlite;
using PrPortal.Data;
using PrPortal.Features.Account;
using PrPortal.Features.DemoWorld;

namespace PrPortal.Hosting;

/// <summary>
/// Runs before the web server accepts requests (and under the test host too): schema, roles, the
/// first administrator, and on a fresh demo install the demo world.
/// </summary>
public sealed class StartupTasks(IServiceScopeFactory scopes, DemoOptions demo) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => PrepareAsync(scopes, demo, seedDemoWhenEmpty: true, cancellationToken);

    public static async Task PrepareAsync(IServiceScopeFactory scopes, DemoOptions demo, bool seedDemoWhenEmpty, CancellationToken cancellationToken)
    {
        try
        {
            await PrepareCoreAsync(scopes, demo, seedDemoWhenEmpty, cancellationToken);
        }
        catch (SqliteException e)
        {
            using var scope = scopes.CreateScope();
            throw DatabaseInitializer.Explain(e, scope.ServiceProvider.GetRequiredService<DatabaseInitializer>().DatabasePath());
        }
    }

    private static async Task PrepareCoreAsync(IServiceScopeFactory scopes, DemoOptions demo, bool seedDemoWhenEmpty, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        await services.GetRequiredService<DatabaseInitializer>().MigrateAsync(cancellationToken);
        await services.GetRequiredService<AdminSeeder>().SeedAsync(cancellationToken);
        await services.GetRequiredService<Features.Blocklists.BlocklistService>().EnsureDefaultZonesAsync(cancellationToken);

        var world = services.GetRequiredService<DemoWorldSeeder>();
        if (seedDemoWhenEmpty && demo.Enabled && await world.IsEmptyAsync(cancellationToken))
        {
            var counts = await world.SeedAsync(cancellationToken);
            Console.Error.WriteLine($"Demo world created: {counts.Companies} companies, {counts.Releases} releases, {counts.Deliveries} deliveries in {counts.Seconds} s.");
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
