using PrPortal.Features.Bounces;
using PrPortal.Hosting;
using PrPortal.Sandbox.Scenarios;

namespace PrPortal.Sandbox.Replay;

/// <summary>`replay --scenario FILE [--json] [--smtp]`: plays an incident scenario on a virtual clock and prints what the pipeline made of it.</summary>
public static class ReplayVerb
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken)
    {
        string? file = null;
        var json = false;
        var overSmtp = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--scenario" when i + 1 < args.Length:
                    file = args[++i];
                    break;
                case "--json":
                    json = true;
                    break;
                case "--smtp":
                    overSmtp = true;
                    break;
                default:
                    throw new OpsVerbs.VerbUsageException($"unexpected '{args[i]}'. Usage: replay --scenario FILE [--json] [--smtp]");
            }
        }
        if (file is null)
        {
            throw new OpsVerbs.VerbUsageException("names a scenario: replay --scenario FILE [--json]");
        }
        if (!File.Exists(file))
        {
            throw new OpsVerbs.VerbUsageException($"scenario file '{file}' does not exist.");
        }
        IncidentScenario scenario;
        try
        {
            scenario = IncidentScenario.ParseValid(await File.ReadAllTextAsync(file, cancellationToken));
        }
        catch (ScenarioException e)
        {
            throw new OpsVerbs.VerbUsageException($"{file}: {e.Message}");
        }

        SmtpReplay? smtp = null;
        if (overSmtp)
        {
            var world = services.GetService<SandboxWorld>()
                ?? throw new OpsVerbs.VerbUsageException("--smtp goes through the sandbox's simulators; turn the sandbox on (Sandbox__Enabled=true).");
            if (!world.IsRunning)
            {
                world.Start();
            }
            smtp = new SmtpReplay(world, services.GetRequiredService<Features.Delivery.DeliveryEngine>());
        }
        var runner = new ReplayRunner(services.GetRequiredService<ReplyClassifier>(), Settings(services), smtp);
        ReplayResult result;
        try
        {
            result = await runner.RunAsync(scenario, cancellationToken);
        }
        catch (ScenarioException e)
        {
            throw new OpsVerbs.VerbUsageException($"{file}: {e.Message}");
        }
        if (json)
        {
            OpsVerbs.Print(result);
        }
        else
        {
            Console.WriteLine(Describe(result));
        }
        return 0;
    }

    /// <summary>The portal's own detection, routing and recovery settings: the replay plays what production would do.</summary>
    public static ReplaySettings Settings(IServiceProvider services) => new(
        services.GetRequiredService<Features.Incidents.DetectorOptions>(),
        services.GetRequiredService<Features.IpPool.RoutingOptions>(),
        services.GetRequiredService<Features.IpPool.RecoveryOptions>());

    public static string Describe(ReplayResult r) => string.Join(Environment.NewLine,
        $"{r.Scenario}",
        $"  mails {r.Mails:N0}; failed {r.Failed:N0}, of them {r.FailedBeforeReroute:N0} refused for an IP block before the IP was taken out",
        r.FirstBlockAt is { } first
            ? $"  first block {first:u}, detected {r.DetectedAt:u} ({r.TimeToDetectS} s later); {r.ReroutedMails:N0} mails rerouted"
            : "  no block met",
        $"  incidents {r.Incidents}; reverted {string.Join(", ", r.IpsRevertedAt.Select(x => $"{x.Ips} × {x.Provider} at {x.At:u}"))}",
        $"  undelivered at the end {r.UndeliveredAtEnd:N0}; resent {r.Resent:N0}; duplicate deliveries {r.DuplicateDeliveries:N0}; wall {r.WallS} s");
}
