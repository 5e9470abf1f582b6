using PrPortal.Features.Bounces;
using PrPortal.Features.Incidents;
using PrPortal.Features.IpPool;
using PrPortal.Sandbox.Replay;
using PrPortal.Sandbox.Scenarios;

namespace PrPortal.Bench;

/// <summary>
/// The seed incident (48 h, 3.6 million mails) replayed through the portal's pipeline, several times:
/// the median wall time against the 60 s budget, and what the portal made of it side by side with what
/// the incident itself cost (54 days unnoticed, 283,836 mails lost).
/// </summary>
public static class ReplayBenchmark
{
    private const double IncidentDays = 54;
    private const long IncidentFailed = 283_836;

    public static async Task<int> RunAsync(string[] args)
    {
        var runs = args.Length > 0 && int.TryParse(args[0], out var r) ? r : 3;
        var scenario = IncidentScenario.Reference();
        var runner = new ReplayRunner(ReplyClassifier.BuiltIn(), new ReplaySettings(new DetectorOptions(), new RoutingOptions(), new RecoveryOptions()));
        var results = new List<ReplayResult>();
        for (var i = 0; i < runs; i++)
        {
            results.Add(await runner.RunAsync(scenario, CancellationToken.None));
            Console.Error.WriteLine($"run {i + 1}: {results[^1].WallS:0.00} s");
        }
        var median = results.Select(x => x.WallS).Order().ElementAt(results.Count / 2);
        var last = results[^1];
        Console.WriteLine($"replay of '{scenario.Name}': {last.Mails:N0} mails, {runs} runs, {Environment.ProcessorCount} cores");
        Console.WriteLine($"  wall (median)        {median,10:0.00} s    budget 60 s     ({60 / median:0.0}× under)");
        Console.WriteLine($"  time to detect       {last.TimeToDetectS,10:0.0} s    incident {IncidentDays} days ({IncidentDays * 86400 / Math.Max(1, last.TimeToDetectS ?? 1):N0}× sooner)");
        Console.WriteLine($"  refused for IP block {last.FailedBeforeReroute,10:N0}      incident {IncidentFailed:N0} (over 54 days; {last.FailedBeforeReroute / (double)IncidentFailed:P3})");
        Console.WriteLine($"  rerouted mails       {last.ReroutedMails,10:N0}");
        Console.WriteLine($"  undelivered at end   {last.UndeliveredAtEnd,10:N0}      (no resend planner yet)");
        Console.WriteLine($"  duplicate deliveries {last.DuplicateDeliveries,10:N0}");
        Console.WriteLine($"  incidents            {last.Incidents,10}");
        Console.WriteLine($"  reverted             {string.Join(", ", last.IpsRevertedAt.Select(x => $"{x.Ips} × {x.Provider} at +{(x.At - scenario.Start.UtcDateTime).TotalHours:0.0} h"))} (block ends at +40.0 h)");
        return 0;
    }
}
