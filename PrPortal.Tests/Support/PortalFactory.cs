using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace PrPortal.Tests.Support;

/// <summary>
/// The real portal over a throw-away SQLite file. Demo data is off unless asked for, and then small
/// (Demo:Scale), so tests stay quick while running the same start-up path as `dotnet run`.
/// </summary>
public class PortalFactory : WebApplicationFactory<Program>
{
    public const string AdminEmail = "admin@test.prportal.local";
    public const string AdminPassword = "Test-Admin-Pass1!";
    public const string ApiKey = "prp_test-shipper-key-0123456789";

    private static int _networks;
    private readonly bool _demo;
    private readonly double _scale;
    private readonly IReadOnlyDictionary<string, string> _settings;

    public PortalFactory() : this(demo: false)
    {
    }

    protected PortalFactory(bool demo, double scale = 0.05, IReadOnlyDictionary<string, string>? settings = null)
    {
        _demo = demo;
        _scale = scale;
        _settings = settings ?? new Dictionary<string, string>();
        DatabasePath = TempFiles.NewPath("portal", ".db");
        DeliveryLogPath = TempFiles.NewPath("delivery-log", ".jsonl");
    }

    public string DatabasePath { get; }

    /// <summary>Where the delivery engine writes its JSON-lines log for this portal.</summary>
    public string DeliveryLogPath { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Settings given here reach the portal as start-up arguments, before it reads its configuration.
        builder.UseSetting("ConnectionStrings:Portal", $"Data Source={DatabasePath}");
        builder.UseSetting("Demo:Enabled", _demo ? "true" : "false");
        builder.UseSetting("Demo:Scale", _scale.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Most tests start from the demo's data without its incident (they make their own); DemoStoryTests turns it on.
        builder.UseSetting("Demo:DetectIncident", "false");
        builder.UseSetting("Seed:AdminEmail", AdminEmail);
        builder.UseSetting("Seed:AdminPassword", AdminPassword);
        builder.UseSetting("Schedules:Enabled", "false");
        builder.UseSetting("Delivery:LogFile", DeliveryLogPath);
        builder.UseSetting("IngestApi:MaxBodyBytes", (2 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Tests share one client address (the test server's): the per-client throttle would couple them.
        // The sign-in security tests run the portal as a process with its defaults instead.
        builder.UseSetting("SignIn:FailuresPerClient", "1000");
        builder.UseSetting("SignIn:LockoutFailures", "1001");
        builder.UseSetting("Api:Keys:0:Name", "test-shipper");
        builder.UseSetting("Api:Keys:0:Sha256", Features.Api.ApiKeyEntry.Hash(ApiKey));
        // Each portal's sandbox on its own loopback network and DNS port, so test classes run side by side.
        builder.UseSetting("Sandbox:DnsPort", "0");
        builder.UseSetting("Sandbox:SndsPort", "0");
        builder.UseSetting("Sandbox:LinkWorldPort", "0");
        builder.UseSetting("Sandbox:LinkWorldTlsPort", "0");
        builder.UseSetting("Sandbox:SimulatorNetwork", $"127.{20 + Environment.ProcessId % 60}.{Interlocked.Increment(ref _networks) % 250 + 1}.0");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        builder.UseEnvironment("Production");
    }

    public T Service<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>
    /// Starts the host on the thread pool: a test that touches <c>Server</c> blocks its xunit thread, and the
    /// host's start-up continuations must not queue behind it on xunit's (bounded) synchronization context,
    /// or two such tests at once wait for each other for ever.
    /// </summary>
    protected override Microsoft.Extensions.Hosting.IHost CreateHost(Microsoft.Extensions.Hosting.IHostBuilder builder) =>
        Task.Run(() => base.CreateHost(builder)).GetAwaiter().GetResult();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        TempFiles.DeleteDatabase(DatabasePath);
        File.Delete(DeliveryLogPath);
    }
}

/// <summary>The same portal with a small demo world.</summary>
public sealed class DemoPortalFactory() : PortalFactory(demo: true);

/// <summary>The demo as it opens on first start: the incident found, its cells out of routing, the report ready.</summary>
public sealed class StoryPortalFactory() : PortalFactory(demo: true, settings: new Dictionary<string, string> { ["Demo:DetectIncident"] = "true" });

/// <summary>The demo portal with its scheduler running, as `dotnet run` has it.</summary>
public sealed class ScheduledDemoPortalFactory(IReadOnlyDictionary<string, string>? more = null)
    : PortalFactory(demo: true, settings: new Dictionary<string, string>(more ?? new Dictionary<string, string>()) { ["Schedules:Enabled"] = "true" })
{
    public ScheduledDemoPortalFactory() : this(null)
    {
    }
}
