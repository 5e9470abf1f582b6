using System.Text.Json;
using Microsoft.Data.Sqlite;
using PrPortal.Data;
using PrPortal.Features.DemoWorld;

namespace PrPortal.Hosting;

/// <summary>
/// The executable's ops verbs (`dotnet PrPortal.dll VERB …`): each prints JSON and exits non-zero
/// with a one-line error on bad input. No verb starts the web server.
/// </summary>
public static class OpsVerbs
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static readonly Dictionary<string, Func<IServiceProvider, string[], CancellationToken, Task<int>>> Verbs = new()
    {
        ["seed-demo"] = SeedDemoAsync,
    };

    public static bool IsVerb(string[] args) => args.Length > 0 && !args[0].StartsWith('-') && !args[0].Contains('=');

    public static async Task<int> RunAsync(WebApplication app, string[] args, CancellationToken cancellationToken)
    {
        if (!Verbs.TryGetValue(args[0], out var verb))
        {
            Console.Error.WriteLine($"Unknown verb '{args[0]}'. Verbs: {string.Join(", ", Verbs.Keys.Order())}.");
            return 2;
        }
        var scopes = app.Services.GetRequiredService<IServiceScopeFactory>();
        await StartupTasks.PrepareAsync(scopes, app.Services.GetRequiredService<DemoOptions>(), seedDemoWhenEmpty: false, cancellationToken);
        try
        {
            return await verb(app.Services, args[1..], cancellationToken);
        }
        catch (SqliteException e)
        {
            throw DatabaseInitializer.Explain(e, app.Services.GetRequiredService<DatabaseInitializer>().DatabasePath());
        }
    }

    public static void Print<T>(T value) => Console.WriteLine(JsonSerializer.Serialize(value, Json));

    private static async Task<int> SeedDemoAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken)
    {
        if (args.Length > 0)
        {
            Console.Error.WriteLine($"seed-demo takes no arguments, got '{args[0]}'.");
            return 2;
        }
        var counts = await services.GetRequiredService<DemoWorldSeeder>().SeedAsync(cancellationToken);
        Print(counts);
        return 0;
    }
}
