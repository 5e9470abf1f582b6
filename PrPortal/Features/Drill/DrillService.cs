using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Delivery;
using PrPortal.Features.IpPool;
using PrPortal.Sandbox;
using PrPortal.Sandbox.Scenarios;
using PrPortal.Sandbox.Smtp;

namespace PrPortal.Features.Drill;

/// <summary>A step of a drill as the page lists it.</summary>
public sealed record DrillStep(DateTime AtUtc, string Kind, string Text);

/// <summary>Where a drill stands: what runs, how far the mail got, and the steps so far.</summary>
public sealed record DrillState(string? Scenario, bool Running, DateTime? StartedAtUtc, double Percent, TrafficProgress? Traffic, IReadOnlyList<DrillStep> Steps, IReadOnlyList<string> Providers);

/// <summary>
/// Runs a small scenario for real in the sandbox, for training: mail goes out in waves through the
/// delivery engine to the loopback provider simulators at the scenario's rate and mix, the scenario's
/// blocks are switched on and off in the simulators at their times, and the portal's own detection,
/// exclusion and recovery check react as they would in production, so the grid changes before the
/// trainee's eyes. One drill at a time; the simulators' earlier blocks are put back afterwards.
/// </summary>
public sealed class DrillService(SandboxWorld world, TrafficGenerator traffic, RecoveryCheck recovery, RoutingService routing,
    IDbContextFactory<PortalDbContext> factory, TimeProvider clock, ILogger<DrillService> logger)
{
    private static readonly TimeSpan Wave = TimeSpan.FromSeconds(10);
    private readonly Lock _lock = new();
    private readonly List<DrillStep> _steps = [];
    private CancellationTokenSource? _cancel;
    private DrillState _state = new(null, false, null, 0, null, [], []);

    public event Action? Changed;

    public DrillState State
    {
        get
        {
            lock (_lock)
            {
                return _state with { Steps = _steps.ToList() };
            }
        }
    }

    public bool Available => world.IsRunning;

    /// <summary>Starts the drill in the background; refused while another runs or when the scenario does not fit this pool.</summary>
    public async Task StartAsync(IncidentScenario scenario, string startedBy, CancellationToken cancellationToken)
    {
        if (!world.IsRunning)
        {
            throw new InvalidOperationException("Drills run only in the sandbox, and the sandbox is not running.");
        }
        scenario.Validate();
        if (scenario.Hours > 0.5)
        {
            throw new ScenarioException($"hours: a drill lasts at most 30 minutes (0.5), got {scenario.Hours}");
        }
        if (scenario.MailsPerHour > 180_000)
        {
            throw new ScenarioException($"mails_per_hour: a drill sends at most 50 mails a second (180000 an hour), got {scenario.MailsPerHour}");
        }
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var primaries = await db.SendingIps.AsNoTracking().Where(i => i.Enabled && i.Role == SendingIpRole.Primary).OrderBy(i => i.Id).ToListAsync(cancellationToken);
        foreach (var (block, i) in scenario.Blocks.Select((b, i) => (b, i)))
        {
            if (block.PrimaryIndexes().Any(x => x >= primaries.Count))
            {
                throw new ScenarioException($"blocks[{i}].ips: this pool has {primaries.Count} primaries");
            }
        }
        lock (_lock)
        {
            if (_state.Running)
            {
                throw new InvalidOperationException("A drill is already running.");
            }
            _steps.Clear();
            _reported.Clear();
            _cancel = new CancellationTokenSource();
            _state = new DrillState(scenario.Name, true, clock.GetUtcNow().UtcDateTime, 0, null, [], scenario.ProviderMix.Keys.ToList());
        }
        Step("started", $"{scenario.Name} — {startedBy}");
        var token = _cancel.Token;
        _ = Task.Run(() => RunAsync(scenario, primaries, token), CancellationToken.None);
    }

    public void Stop() => _cancel?.Cancel();

    private async Task RunAsync(IncidentScenario scenario, List<SendingIp> primaries, CancellationToken cancellationToken)
    {
        var before = world.Simulators.ToDictionary(s => s.Key, s => s.Value.Rules.BlockedIps.ToDictionary(ip => ip, ip => s.Value.Rules.BlockFor(ip)!));
        var started = clock.GetUtcNow();
        var length = TimeSpan.FromHours(scenario.Hours);
        var active = new HashSet<int>();
        var lifted = false;
        try
        {
            var total = new TrafficProgress(0, 0, 0, 0, 0, 0, 0);
            while (clock.GetUtcNow() - started < length)
            {
                var elapsedHours = (clock.GetUtcNow() - started).TotalHours;
                for (var b = 0; b < scenario.Blocks.Count; b++)
                {
                    var block = scenario.Blocks[b];
                    var on = elapsedHours >= block.FromHour && elapsedHours < block.UntilHour;
                    if (on && active.Add(b))
                    {
                        foreach (var index in block.PrimaryIndexes())
                        {
                            world.Simulator(block.Provider).Rules.Block(primaries[index].Address, new SimulatedReply(BlockStage.Rcpt, block.Reply));
                        }
                        Step("block", $"{Features.Providers.MailboxProviderCatalog.DisplayName(block.Provider)}: {block.PrimaryIndexes().Count} IPs blocked ({block.Kind}) — {block.Reply.Replace("{ip}", primaries[block.PrimaryIndexes()[0]].Address)}");
                    }
                    else if (!on && active.Remove(b))
                    {
                        Restore(block, primaries, before);
                        lifted = true;
                        Step("lifted", $"{Features.Providers.MailboxProviderCatalog.DisplayName(block.Provider)}: block lifted at the provider");
                    }
                }
                var rate = scenario.MailsPerHour / 3600.0;
                var mails = Math.Max(1, (int)Math.Round(rate * Math.Min(Wave.TotalSeconds, (length - (clock.GetUtcNow() - started)).TotalSeconds)));
                var wave = await traffic.RunAsync(new TrafficPlan(mails, rate, ProviderMix: scenario.ProviderMix, Class: TrafficClass.Drill), null, cancellationToken);
                total = new TrafficProgress(total.Sent + wave.Sent, total.Total + wave.Total, total.Accepted + wave.Accepted, total.Deferred + wave.Deferred,
                    total.Rejected + wave.Rejected, total.Errors + wave.Errors, (clock.GetUtcNow() - started).TotalSeconds);
                lock (_lock)
                {
                    _state = _state with { Traffic = total, Percent = Math.Min(100, 100 * (clock.GetUtcNow() - started) / length) };
                }
                await ReportExclusionsAsync(cancellationToken);
                if (lifted)
                {
                    await CheckRecoveryAsync(cancellationToken);
                }
                Changed?.Invoke();
            }
            // Blocks still on at the end are lifted; the recovery check then brings their IPs back.
            foreach (var b in active.ToList())
            {
                Restore(scenario.Blocks[b], primaries, before);
                Step("lifted", $"{Features.Providers.MailboxProviderCatalog.DisplayName(scenario.Blocks[b].Provider)}: block lifted at the end of the drill");
            }
            active.Clear();
            await CheckRecoveryAsync(cancellationToken);
            Step("done", $"{State.Traffic?.Sent ?? 0} mails sent: {State.Traffic?.Accepted ?? 0} accepted, {State.Traffic?.Deferred ?? 0} deferred, {State.Traffic?.Rejected ?? 0} refused");
        }
        catch (OperationCanceledException)
        {
            Step("stopped", "Stopped by hand.");
        }
        catch (Exception e)
        {
            logger.LogError(e, "Drill failed");
            Step("failed", e.Message);
        }
        finally
        {
            foreach (var b in active)
            {
                Restore(scenario.Blocks[b], primaries, before);
            }
            lock (_lock)
            {
                _state = _state with { Running = false, Percent = 100 };
            }
            Changed?.Invoke();
        }
    }

    // The simulator gets back whatever it did before the drill for these IPs (the demo's own blocks stay).
    private void Restore(ScenarioBlock block, List<SendingIp> primaries, Dictionary<string, Dictionary<string, SimulatedReply>> before)
    {
        foreach (var index in block.PrimaryIndexes())
        {
            var address = primaries[index].Address;
            if (before[block.Provider].TryGetValue(address, out var earlier))
            {
                world.Simulator(block.Provider).Rules.Block(address, earlier);
            }
            else
            {
                world.Simulator(block.Provider).Rules.Unblock(address);
            }
        }
    }

    // Each exclusion is told once: an IP taken out again after its revert is a new exclusion.
    private readonly HashSet<(string Ip, string Provider, DateTime At)> _reported = [];

    private async Task ReportExclusionsAsync(CancellationToken cancellationToken)
    {
        var rows = await routing.AuditAsync(200, cancellationToken);
        var since = State.StartedAtUtc ?? DateTime.MinValue;
        foreach (var row in rows.Where(r => r.AtUtc >= since && r.Action == "excluded").OrderBy(r => r.AtUtc))
        {
            if (_reported.Add((row.Ip, row.ProviderId, row.AtUtc)))
            {
                Step("excluded", $"{row.Ip} × {Features.Providers.MailboxProviderCatalog.DisplayName(row.ProviderId)} taken out ({row.Actor}); the reason is in the audit log");
            }
        }
    }

    private async Task CheckRecoveryAsync(CancellationToken cancellationToken)
    {
        var outcomes = await recovery.RunAsync(cancellationToken);
        var reverted = outcomes.Where(o => o.Reverted).ToList();
        if (reverted.Count > 0)
        {
            foreach (var group in reverted.GroupBy(o => o.ProviderId))
            {
                Step("reverted", $"{Features.Providers.MailboxProviderCatalog.DisplayName(group.Key)}: {group.Count()} IPs back after probes ({string.Join(", ", group.Select(o => o.Ip))})");
            }
        }
    }

    private void Step(string kind, string text)
    {
        lock (_lock)
        {
            _steps.Add(new DrillStep(clock.GetUtcNow().UtcDateTime, kind, text));
        }
        Changed?.Invoke();
    }
}

/// <summary>Small scenarios for drills: a few minutes of mail at a few a second, one block each.</summary>
public static class DrillScenarios
{
    public static readonly IReadOnlyList<(string Key, string Json)> Presets =
    [
        ("yahoo", """
        {
          "name": "Yahoo! JAPAN blocks 8 IPs (drill)",
          "start": "2026-01-01T00:00:00+09:00", "hours": 0.05, "mails_per_hour": 28800, "seed": 1,
          "ips": { "primary": 48, "spare": 4 },
          "provider_mix": { "yahoo-jp": 0.5, "google": 0.3, "other": 0.2 },
          "category_mix": { "MediaUser": 1 },
          "blocks": [
            { "provider": "yahoo-jp", "ips": [3, 7, 11, 15, 19, 23, 27, 31], "from_hour": 0.005, "until_hour": 0.03,
              "reply": "554 5.7.1 [{ip}] Connection refused: your IP is on our block list" }
          ]
        }
        """),
        ("google-defer", """
        {
          "name": "Gmail defers 6 IPs (drill)",
          "start": "2026-01-01T00:00:00+09:00", "hours": 0.05, "mails_per_hour": 28800, "seed": 2,
          "ips": { "primary": 48, "spare": 4 },
          "provider_mix": { "google": 0.7, "other": 0.3 },
          "category_mix": { "MediaUser": 1 },
          "blocks": [
            { "provider": "google", "ips": 6, "from_hour": 0.005, "until_hour": 0.03, "kind": "defer",
              "reply": "451 4.7.28 [{ip}] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited." }
          ]
        }
        """),
        ("docomo-all", """
        {
          "name": "docomo blocks every primary: the spares take over (drill)",
          "start": "2026-01-01T00:00:00+09:00", "hours": 0.05, "mails_per_hour": 14400, "seed": 3,
          "ips": { "primary": 48, "spare": 4 },
          "provider_mix": { "docomo": 0.6, "google": 0.4 },
          "category_mix": { "MediaUser": 1 },
          "blocks": [
            { "provider": "docomo", "ips": 48, "from_hour": 0.005, "until_hour": 0.03,
              "reply": "550 5.7.1 [{ip}] Rejected: sending IP is blocked" }
          ]
        }
        """),
    ];
}
