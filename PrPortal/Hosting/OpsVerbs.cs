using System.Text.Json;
using Microsoft.Data.Sqlite;
using PrPortal.Data;
using PrPortal.Features.DemoWorld;
using PrPortal.Features.Providers;

namespace PrPortal.Hosting;

/// <summary>
/// The executable's ops verbs (`dotnet PrPortal.dll VERB …`): each prints JSON and exits non-zero
/// with a one-line error on bad input. No verb starts the web server.
/// </summary>
public static class OpsVerbs
{
    // Verbs print for terminals and scripts, not HTML: addresses and Japanese text stay as they are.
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private sealed record Verb(bool NeedsDatabase, Func<IServiceProvider, string[], CancellationToken, Task<int>> RunAsync);

    private static readonly Dictionary<string, Verb> Verbs = new()
    {
        ["seed-demo"] = new(NeedsDatabase: true, SeedDemoAsync),
        ["provider"] = new(NeedsDatabase: false, ProviderVerb.RunAsync),
        ["classify"] = new(NeedsDatabase: false, Features.Bounces.ClassifyVerbs.ClassifyAsync),
        ["ingest"] = new(NeedsDatabase: true, Features.SendLog.IngestVerb.RunAsync),
        ["api-key"] = new(NeedsDatabase: false, Features.Api.ApiKeyVerb.RunAsync),
        ["classify-dsn"] = new(NeedsDatabase: false, Features.Bounces.ClassifyVerbs.ClassifyDsnAsync),
        ["dnsbl-check"] = new(NeedsDatabase: true, Features.Blocklists.DnsblCheckVerb.RunAsync),
        ["replay"] = new(NeedsDatabase: false, Sandbox.Replay.ReplayVerb.RunAsync),
        ["report"] = new(NeedsDatabase: true, Features.Reports.ReportVerb.RunAsync),
        ["resend"] = new(NeedsDatabase: true, Features.Resend.ResendVerb.RunAsync),
        ["sender-check"] = new(NeedsDatabase: true, Features.SenderAuth.SenderCheckVerb.RunAsync),
        ["link-check"] = new(NeedsDatabase: false, Features.LinkRisk.LinkCheckVerb.RunAsync),
        ["incident"] = new(NeedsDatabase: true, Features.Incidents.IncidentVerb.RunAsync),
        ["pool"] = new(NeedsDatabase: true, Features.IpPool.PoolVerb.RunAsync),
        ["release"] = new(NeedsDatabase: true, Features.Releases.ReleaseVerb.RunAsync),
    };

    public static bool IsVerb(string[] args) => args.Length > 0 && !args[0].StartsWith('-') && !args[0].Contains('=');

    public static async Task<int> RunAsync(WebApplication app, string[] args, CancellationToken cancellationToken)
    {
        if (!Verbs.TryGetValue(args[0], out var verb))
        {
            Console.Error.WriteLine($"Unknown verb '{args[0]}'. Verbs: {string.Join(", ", Verbs.Keys.Order())}.");
            return 2;
        }
        try
        {
            if (verb.NeedsDatabase)
            {
                var scopes = app.Services.GetRequiredService<IServiceScopeFactory>();
                await StartupTasks.PrepareAsync(scopes, app.Services.GetRequiredService<DemoOptions>(), seedDemoWhenEmpty: false, cancellationToken);
            }
            return await verb.RunAsync(app.Services, args[1..], cancellationToken);
        }
        catch (VerbUsageException e)
        {
            Console.Error.WriteLine($"{args[0]}: {e.Message}");
            return 2;
        }
        catch (SqliteException e)
        {
            throw DatabaseInitializer.Explain(e, app.Services.GetRequiredService<DatabaseInitializer>().DatabasePath());
        }
    }

    /// <summary>Bad arguments to a verb: printed as one line, exit code 2.</summary>
    public sealed class VerbUsageException(string message) : Exception(message);

    /// <summary>The resolver a verb's `--dns HOST:PORT` names: the configured timeout and retries, that server only.</summary>
    public static Infrastructure.Dns.DnsClientResolver DnsFor(IServiceProvider services, string server)
    {
        try
        {
            return new Infrastructure.Dns.DnsClientResolver(services.GetRequiredService<Infrastructure.Dns.DnsOptions>() with { Servers = [server] });
        }
        catch (FormatException e)
        {
            throw new VerbUsageException($"--dns: {e.Message}");
        }
    }

    public static void Print<T>(T value) => Console.WriteLine(JsonSerializer.Serialize(value, Json));

    private static async Task<int> SeedDemoAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken)
    {
        if (args.Length > 0)
        {
            throw new VerbUsageException($"takes no arguments, got '{args[0]}'.");
        }
        var counts = await services.GetRequiredService<DemoWorldSeeder>().SeedAsync(cancellationToken);
        Print(counts);
        return 0;
    }
}
