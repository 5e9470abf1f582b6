using System.Collections;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using PrPortal.Data;
using PrPortal.Features.Resend;
using PrPortal.Data.Entities;
using PrPortal.Features.Alerts;
using PrPortal.Features.Bounces;
using PrPortal.Features.Incidents;
using PrPortal.Features.IpPool;
using PrPortal.Sandbox.Scenarios;

namespace PrPortal.Sandbox.Replay;

/// <summary>A clock the replay moves by hand: every service it drives reads the scenario's time from it.</summary>
public sealed class VirtualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}

public sealed record ReplayRevert(DateTime At, string Provider, int Ips);

/// <summary>What a replay came to; printed as one JSON object by the verb.</summary>
public sealed record ReplayResult(
    string Scenario,
    long Mails,
    DateTime? FirstBlockAt,
    DateTime? DetectedAt,
    double? TimeToDetectS,
    long Failed,
    long FailedBeforeReroute,
    long ReroutedMails,
    long Resent,
    long UndeliveredAtEnd,
    long DuplicateDeliveries,
    int Incidents,
    IReadOnlyList<ReplayRevert> IpsRevertedAt,
    long Deferrals,
    long ExpiredInQueue,
    IReadOnlyDictionary<string, long> BlockFailedByCategory,
    double WallS);

/// <summary>Section "Replay" knobs that are not part of a scenario: the pipeline's own settings.</summary>
public sealed record ReplaySettings(DetectorOptions Detection, RoutingOptions Routing, RecoveryOptions Recovery)
{
    /// <summary>How often the recovery check runs (the routing-recovery job's schedule).</summary>
    public TimeSpan RecoveryEvery { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>Deferred mail is retried by <see cref="Features.Delivery.RetrySchedule"/> and given up after this long.</summary>
    public TimeSpan QueueLifetime { get; init; } = Features.Delivery.RetrySchedule.QueueLifetime;
}

/// <summary>
/// Plays a scenario on a virtual clock through the portal's own pipeline: every mail picks its IP by the
/// routing policy, meets the scenario's providers (in memory), has its reply read by the classifier and
/// seen by the detector; detections become incidents and exclusions through the incident and routing
/// services (on a scratch SQLite file, so the portal's own data is never touched), deferred mail waits
/// and is retried (at once on another IP when the one it waited on is taken out), and excluded IPs come
/// back only through the recovery check's probes. Mail refused for an IP block goes into the failure
/// ledger, and at every recovery tick the portal's automatic resend policy (<see cref="ResendService"/>)
/// makes a batch of it once its provider has an eligible IP; the replay sends the batch's items through
/// the same transport as the rest of its mail and writes the batch ledger as the resend runner does.
/// </summary>
public sealed class ReplayRunner(ReplyClassifier classifier, ReplaySettings settings, SmtpReplay? smtp = null)
{
    private sealed record Ip(int Id, string Address, int PrimaryIndex, SendingIp Row);

    public async Task<ReplayResult> RunAsync(IncidentScenario scenario, CancellationToken cancellationToken, IProgress<double>? progress = null)
    {
        scenario.Validate();
        if (smtp is not null && scenario.Hours * scenario.MailsPerHour > SmtpReplay.MaxMails)
        {
            throw new ScenarioException($"mails_per_hour: over SMTP a replay plays at most {SmtpReplay.MaxMails:N0} mails (hours × mails_per_hour is {scenario.Hours * scenario.MailsPerHour:N0})");
        }
        var wall = Stopwatch.StartNew();
        var folder = Directory.CreateTempSubdirectory("prportal-replay-");
        try
        {
            var options = new DbContextOptionsBuilder<PortalDbContext>()
                .UseSqlite($"Data Source={Path.Combine(folder.FullName, "replay.db")};Pooling=False").Options;
            var factory = new PooledDbContextFactory<PortalDbContext>(options);
            var run = new Run(scenario, classifier, settings, factory, smtp);
            try
            {
                await run.PrepareAsync(cancellationToken);
                var result = await run.PlayAsync(progress, cancellationToken);
                return result with { WallS = Math.Round(wall.Elapsed.TotalSeconds, 2) };
            }
            finally
            {
                run.Smtp?.Clear();
            }
        }
        finally
        {
            try
            {
                folder.Delete(recursive: true);
            }
            catch (IOException)
            {
                // a scratch file still held open is left to the temp cleaner
            }
        }
    }

    private sealed class Run
    {
        private readonly IncidentScenario _scenario;
        private readonly ReplyClassifier _classifier;
        private readonly ReplaySettings _settings;
        private readonly IDbContextFactory<PortalDbContext> _factory;
        private readonly VirtualClock _clock;
        private readonly Random _random;
        private readonly BlockDetector _detector;
        private readonly string[] _providers;
        private readonly double[] _providerUpto;
        private readonly string[] _categories;
        private readonly double[] _categoryUpto;
        private readonly Dictionary<string, Classification> _meanings = new(StringComparer.Ordinal);

        private List<Ip> _ips = [];
        private List<Ip> _primaries = [];
        private ScenarioProviders _world = null!;
        private IncidentService _incidents = null!;
        private RoutingService _routing = null!;
        private RecoveryCheck _recovery = null!;
        private readonly ReplayProbes _probes;
        private readonly SmtpReplay? _smtpReplay;
        public SmtpReplayTransport? Smtp { get; private set; }

        // Routing state per provider index: the excluded IP ids and the IPs eligible now.
        private HashSet<int>[] _excluded = [];
        private Ip[][] _eligible = [];

        // Per mail: provider and category index, how often deferred, a generation that makes stale queue entries void.
        private byte[] _providerOf = [];
        private byte[] _categoryOf = [];
        private byte[] _deferrals = [];
        private int[] _generation = [];
        private BitArray _delivered = null!;
        private BitArray _rerouted = null!;
        private readonly PriorityQueue<(int Mail, int Generation), DateTime> _queue = new();
        private readonly Dictionary<(int Provider, int IpId), List<(int Mail, int Generation)>> _waitingOn = [];

        private int _releaseId;
        private long _failed, _blockFailed, _reroutedCount, _duplicates, _deferralCount, _expired, _resent;
        private ResendService _resends = null!;
        private readonly List<FailedDelivery> _newFailures = [];
        private readonly List<int> _blockFailedMails = [];
        private long[] _blockFailedByCategory = [];
        private DateTime? _firstBlockAt, _detectedAt;
        private readonly List<RecoveryOutcome> _reverts = [];

        public Run(IncidentScenario scenario, ReplyClassifier classifier, ReplaySettings settings, IDbContextFactory<PortalDbContext> factory, SmtpReplay? smtp)
        {
            _smtpReplay = smtp;
            _scenario = scenario;
            _classifier = classifier;
            _settings = settings;
            _factory = factory;
            _clock = new VirtualClock(scenario.Start.ToUniversalTime());
            _random = new Random(scenario.Seed);
            _detector = new BlockDetector(settings.Detection);
            (_providers, _providerUpto) = Cumulative(scenario.ProviderMix);
            (_categories, _categoryUpto) = Cumulative(scenario.CategoryMix);
            _probes = new ReplayProbes(this);
        }

        private static (string[] Keys, double[] Upto) Cumulative(Dictionary<string, double> shares)
        {
            var keys = shares.Keys.ToArray();
            var upto = new double[keys.Length];
            var sum = 0.0;
            for (var i = 0; i < keys.Length; i++)
            {
                sum += shares[keys[i]];
                upto[i] = sum;
            }
            upto[^1] = double.MaxValue; // rounding never drops the last share
            return (keys, upto);
        }

        public async Task PrepareAsync(CancellationToken cancellationToken)
        {
            await using (var db = await _factory.CreateDbContextAsync(cancellationToken))
            {
                await db.Database.MigrateAsync(cancellationToken);
                var rows = Enumerable.Range(0, _scenario.Ips.Primary)
                    .Select(i => new SendingIp { Address = $"198.18.{i / 250}.{i % 250 + 1}", Role = SendingIpRole.Primary, BindAddress = SmtpReplay.BindFor(i, primary: true) })
                    .Concat(Enumerable.Range(0, _scenario.Ips.Spare).Select(i => new SendingIp { Address = $"198.19.{i / 250}.{i % 250 + 1}", Role = SendingIpRole.Spare, BindAddress = SmtpReplay.BindFor(i, primary: false) }))
                    .ToList();
                db.SendingIps.AddRange(rows);
                // The scenario's mail stands for one release with its content, so the resend policy may resend it.
                var release = new Release
                {
                    Company = new Company { Name = "replay" }, Title = _scenario.Name, PublishedAtUtc = _scenario.Start.UtcDateTime,
                    FromAddress = "replay@mail.prportal.example", Text = "replay",
                };
                db.Releases.Add(release);
                await db.SaveChangesAsync(cancellationToken);
                _releaseId = release.Id;
                _ips = rows.Select(r => new Ip(r.Id, r.Address, r.Role == SendingIpRole.Primary ? rows.IndexOf(r) : -1, r)).ToList();
            }
            _primaries = _ips.Where(i => i.PrimaryIndex >= 0).ToList();
            _world = new ScenarioProviders(_scenario, _primaries.Select(p => p.Address).ToList());
            _routing = new RoutingService(_factory, _settings.Routing, new PoolChanges(), new Features.Providers.ProviderResolver(new NoDns(), _clock), _clock);
            _incidents = new IncidentService(_factory, new AlertService(new AlertOptions(), new HttpClient(), NullLogger<AlertService>.Instance, _clock), _routing);
            if (_smtpReplay is not null)
            {
                Smtp = new SmtpReplayTransport(_smtpReplay, _world, _ips.Select(i => i.Row).ToList(), _providers);
            }
            var recovery = _settings.Recovery with
            {
                ProbeRecipients = _providers.ToDictionary(p => p, p => Smtp is { } transport
                    ? new[] { transport.Recipient(p, "probe1"), transport.Recipient(p, "probe2") }
                    : new[] { $"probe1@{p}.replay.invalid", $"probe2@{p}.replay.invalid" }),
            };
            // Over SMTP the probes are real mail from the IP's alias; in memory they meet the scenario's providers.
            IProbeTransport probes = _smtpReplay is null ? _probes : new ReplayProbesOverSmtp(this);
            _recovery = new RecoveryCheck(_factory, recovery, probes, _routing, _clock, NullLogger<RecoveryCheck>.Instance);
            var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddSingleton(_routing).BuildServiceProvider();
            _resends = new ResendService(_factory, new Features.Reports.AffectedReportService(_factory, _clock), new ResendOptions(), _clock, services);
            _excluded = _providers.Select(_ => new HashSet<int>()).ToArray();
            _eligible = new Ip[_providers.Length][];
            for (var p = 0; p < _providers.Length; p++)
            {
                ComputeEligible(p);
            }
        }

        public async Task<ReplayResult> PlayAsync(IProgress<double>? progress, CancellationToken cancellationToken)
        {
            var start = _scenario.Start.UtcDateTime;
            var end = start.AddHours(_scenario.Hours);
            var total = (long)Math.Round(_scenario.Hours * _scenario.MailsPerHour);
            if (total > int.MaxValue)
            {
                throw new ScenarioException("mails_per_hour: too many mails for one replay");
            }
            var count = (int)total;
            _providerOf = new byte[count];
            _categoryOf = new byte[count];
            _deferrals = new byte[count];
            _generation = new int[count];
            _delivered = new BitArray(count);
            _rerouted = new BitArray(count);
            _blockFailedByCategory = new long[_categories.Length];
            var ticksPerMail = TimeSpan.TicksPerHour / (double)_scenario.MailsPerHour;
            var nextRecovery = start + _settings.RecoveryEvery;

            for (var mail = 0; mail < count; mail++)
            {
                var at = start.AddTicks((long)(mail * ticksPerMail));
                nextRecovery = await CatchUpAsync(at, nextRecovery, cancellationToken);
                _providerOf[mail] = (byte)Draw(_providerUpto);
                _categoryOf[mail] = (byte)Draw(_categoryUpto);
                await AttemptAsync(mail, at, cancellationToken);
                if ((mail & 0xFFFF) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    progress?.Report(mail / (double)count);
                }
            }
            // The scenario's last hour ends: retries and recovery checks still due run until then; then the
            // mail still queued is followed to its end (delivered or expired), with no new mail coming.
            nextRecovery = await CatchUpAsync(end, nextRecovery, cancellationToken);
            var drainUntil = end + _settings.QueueLifetime;
            while (_queue.TryPeek(out _, out var due) && due <= drainUntil)
            {
                nextRecovery = await CatchUpAsync(due, nextRecovery, cancellationToken);
            }
            progress?.Report(1);

            var waiting = 0L;
            while (_queue.TryDequeue(out var item, out _))
            {
                waiting += item.Generation == _generation[item.Mail] ? 1 : 0;
            }
            int incidents;
            await using (var db = await _factory.CreateDbContextAsync(cancellationToken))
            {
                var merged = await db.Incidents.CountAsync(i => i.Status == IncidentStatus.Merged, cancellationToken);
                incidents = await db.Incidents.CountAsync(cancellationToken) - merged;
            }
            return new ReplayResult(
                Scenario: _scenario.Name,
                Mails: count,
                FirstBlockAt: _firstBlockAt,
                DetectedAt: _detectedAt,
                TimeToDetectS: _firstBlockAt is { } first && _detectedAt is { } detected ? Math.Round((detected - first).TotalSeconds, 1) : null,
                Failed: _failed,
                FailedBeforeReroute: _blockFailed,
                ReroutedMails: _reroutedCount,
                Resent: _resent,
                UndeliveredAtEnd: _blockFailedMails.Distinct().Count(m => !_delivered[m]) + waiting,
                DuplicateDeliveries: _duplicates,
                Incidents: incidents,
                IpsRevertedAt: _reverts.GroupBy(r => (r.AtUtc, r.ProviderId)).Select(g => new ReplayRevert(g.Key.AtUtc, g.Key.ProviderId, g.Count())).ToList(),
                Deferrals: _deferralCount,
                ExpiredInQueue: _expired,
                BlockFailedByCategory: _categories.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => _blockFailedByCategory[x.i]),
                WallS: 0);
        }

        private int Draw(double[] upto)
        {
            var draw = _random.NextDouble();
            var i = 0;
            while (draw >= upto[i])
            {
                i++;
            }
            return i;
        }

        /// <summary>Runs the retries and recovery checks due before <paramref name="until"/>, earliest first.</summary>
        private async Task<DateTime> CatchUpAsync(DateTime until, DateTime nextRecovery, CancellationToken cancellationToken)
        {
            while (true)
            {
                var retryDue = _queue.TryPeek(out _, out var due) && due <= until ? due : (DateTime?)null;
                if (nextRecovery <= until && (retryDue is null || nextRecovery <= retryDue))
                {
                    if (_excluded.Any(e => e.Count > 0))
                    {
                        _clock.Now = nextRecovery;
                        var outcomes = await _recovery.RunAsync(cancellationToken);
                        if (outcomes.Any(o => o.Reverted))
                        {
                            _reverts.AddRange(outcomes.Where(o => o.Reverted));
                            await RefreshRoutingAsync(nextRecovery, cancellationToken);
                        }
                    }
                    _clock.Now = nextRecovery;
                    await ResendAsync(nextRecovery, cancellationToken);
                    nextRecovery += _settings.RecoveryEvery;
                    continue;
                }
                if (retryDue is null)
                {
                    return nextRecovery;
                }
                var (mail, generation) = _queue.Dequeue();
                if (generation == _generation[mail])
                {
                    _generation[mail]++; // taken: any other entry for it is void now
                    await AttemptAsync(mail, retryDue.Value, cancellationToken);
                }
            }
        }

        private async Task AttemptAsync(int mail, DateTime at, CancellationToken cancellationToken)
        {
            var provider = _providerOf[mail];
            var eligible = _eligible[provider];
            if (eligible.Length == 0)
            {
                Defer(mail, provider, ipId: -1, at); // no IP may carry this provider's mail now: it waits
                return;
            }
            // The IP this mail would have used; when that one is out, another eligible one carries it.
            var ip = _primaries[_random.Next(_primaries.Count)];
            if (_excluded[provider].Contains(ip.Id))
            {
                ip = eligible[_random.Next(eligible.Length)];
                if (!_rerouted[mail])
                {
                    _rerouted[mail] = true;
                    _reroutedCount++;
                }
            }
            var reply = Smtp is { } smtp
                ? await smtp.DeliverAsync(mail, _providers[provider], ip.Row, ip.PrimaryIndex, at, _random, cancellationToken)
                : _world.Deliver(_providers[provider], ip.PrimaryIndex, at, _random);
            if (reply.Code is >= 200 and < 300)
            {
                if (_delivered[mail])
                {
                    _duplicates++;
                }
                _delivered[mail] = true;
                await ObserveAsync(new Observation(at, ip.Address, _providers[provider], AttemptOutcome.Accepted, false, null, reply.Text), cancellationToken);
                return;
            }
            var meaning = Meaning(reply.Text);
            if (meaning.IpBlock && _firstBlockAt is null)
            {
                _firstBlockAt = at;
            }
            var outcome = reply.Code >= 500 ? AttemptOutcome.Rejected : AttemptOutcome.Deferred;
            if (outcome == AttemptOutcome.Rejected)
            {
                _failed++;
                if (meaning.IpBlock)
                {
                    _blockFailed++;
                    _blockFailedByCategory[_categoryOf[mail]]++;
                    _blockFailedMails.Add(mail);
                    _newFailures.Add(new FailedDelivery
                    {
                        DeliveryId = mail + 1L, RecipientId = mail + 1, ReleaseId = _releaseId, ProviderId = _providers[provider], SendingIpId = ip.Id,
                        Category = Enum.TryParse<RecipientCategory>(_categories[_categoryOf[mail]], out var category) ? category : RecipientCategory.MediaUser,
                        Reason = meaning.Reason, IpBlock = true, FailedAtUtc = at,
                    });
                }
            }
            else
            {
                Defer(mail, provider, ip.Id, at);
            }
            await ObserveAsync(new Observation(at, ip.Address, _providers[provider], outcome, meaning.IpBlock, $"r{mail}@{_providers[provider]}", reply.Text), cancellationToken);
        }

        /// <summary>
        /// The automatic resend at a recovery tick: new failures into the ledger, the policy's batch, then its
        /// items sent from eligible IPs, each written "sending" before and "sent" or "failed" after.
        /// </summary>
        private async Task ResendAsync(DateTime at, CancellationToken cancellationToken)
        {
            await using var db = await _factory.CreateDbContextAsync(cancellationToken);
            if (_newFailures.Count > 0)
            {
                db.FailedDeliveries.AddRange(_newFailures);
                await db.SaveChangesAsync(cancellationToken);
                _newFailures.Clear();
                db.ChangeTracker.Clear();
            }
            if (!await db.FailedDeliveries.AnyAsync(f => f.ResendState == ResendState.NotResent && f.DeliveredAtUtc == null, cancellationToken))
            {
                return;
            }
            await _resends.AutoResendAsync(cancellationToken);
            var items = await db.ResendItems.Where(i => i.State == ResendItemState.Pending).OrderBy(i => i.Id).ToListAsync(cancellationToken);
            foreach (var item in items)
            {
                var provider = Array.IndexOf(_providers, item.ProviderId);
                if (provider < 0 || _eligible[provider].Length == 0)
                {
                    continue;
                }
                var ip = _eligible[provider][_random.Next(_eligible[provider].Length)];
                var mail = (int)(item.DeliveryId - 1);
                item.State = ResendItemState.Sending;
                item.Tries++;
                item.TriedAtUtc = at;
                await db.SaveChangesAsync(cancellationToken);
                var reply = Smtp is { } smtp
                    ? await smtp.DeliverAsync(mail, _providers[provider], ip.Row, ip.PrimaryIndex, at, _random, cancellationToken)
                    : _world.Deliver(_providers[provider], ip.PrimaryIndex, at, _random);
                var accepted = reply.Code is >= 200 and < 300;
                item.State = accepted ? ResendItemState.Sent : ResendItemState.Failed;
                item.SourceIp = ip.Address;
                item.SentAtUtc = accepted ? at : null;
                await db.SaveChangesAsync(cancellationToken);
                await db.FailedDeliveries.Where(f => f.DeliveryId == item.DeliveryId).ExecuteUpdateAsync(s => s
                    .SetProperty(f => f.ResendState, accepted ? ResendState.Resent : ResendState.NotResent)
                    .SetProperty(f => f.DeliveredAtUtc, accepted ? at : null), cancellationToken);
                if (accepted)
                {
                    _resent++;
                    if (_delivered[mail])
                    {
                        _duplicates++;
                    }
                    _delivered[mail] = true;
                }
                var meaning = accepted ? null : Meaning(reply.Text);
                await ObserveAsync(new Observation(at, ip.Address, _providers[provider], accepted ? AttemptOutcome.Accepted : AttemptOutcome.Rejected,
                    meaning?.IpBlock ?? false, $"r{mail}@{_providers[provider]}", reply.Text), cancellationToken);
            }
            await db.ResendBatches.Where(b => b.State == ResendBatchState.Queued && !b.Items.Any(i => i.State == ResendItemState.Pending))
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.State, ResendBatchState.Completed).SetProperty(b => b.FinishedAtUtc, at), cancellationToken);
        }

        private Classification Meaning(string reply)
        {
            if (!_meanings.TryGetValue(reply, out var meaning))
            {
                _meanings[reply] = meaning = _classifier.ClassifyReply(reply);
            }
            return meaning;
        }

        private void Defer(int mail, int provider, int ipId, DateTime at)
        {
            var deferrals = ++_deferrals[mail];
            _deferralCount++;
            var backoff = Features.Delivery.RetrySchedule.Backoff(deferrals);
            if (Features.Delivery.RetrySchedule.Waited(deferrals - 1) >= _settings.QueueLifetime)
            {
                _failed++;
                _expired++;
                return;
            }
            var generation = ++_generation[mail];
            _queue.Enqueue((mail, generation), at + backoff);
            var key = (provider, ipId);
            if (!_waitingOn.TryGetValue(key, out var waiting))
            {
                _waitingOn[key] = waiting = [];
            }
            waiting.Add((mail, generation));
        }

        private async Task ObserveAsync(Observation observation, CancellationToken cancellationToken)
        {
            var found = _detector.Observe(observation);
            if (found.Count == 0)
            {
                return;
            }
            if (_detectedAt is null && _firstBlockAt is not null && found.FirstOrDefault(d => d.Kind == DetectionKind.IpBlock) is { } first)
            {
                _detectedAt = first.AtUtc;
            }
            _clock.Now = observation.AtUtc;
            await _incidents.ApplyAsync(found, cancellationToken);
            await RefreshRoutingAsync(observation.AtUtc, cancellationToken);
        }

        /// <summary>Reads the exclusions back from the database as the portal would, and re-queues at once the mail that waited on an IP now taken out.</summary>
        private async Task RefreshRoutingAsync(DateTime at, CancellationToken cancellationToken)
        {
            await using var db = await _factory.CreateDbContextAsync(cancellationToken);
            var active = await db.RoutingExclusions.AsNoTracking().Where(e => e.EndedAtUtc == null)
                .Select(e => new { e.ProviderId, e.SendingIpId }).ToListAsync(cancellationToken);
            for (var p = 0; p < _providers.Length; p++)
            {
                var now = active.Where(e => e.ProviderId == _providers[p]).Select(e => e.SendingIpId).ToHashSet();
                var added = now.Except(_excluded[p]).ToList();
                if (added.Count == 0 && now.SetEquals(_excluded[p]))
                {
                    continue;
                }
                _excluded[p] = now;
                ComputeEligible(p);
                foreach (var ipId in added.Append(-1))
                {
                    if (_waitingOn.Remove((p, ipId), out var waiting))
                    {
                        foreach (var (mail, generation) in waiting.Where(w => w.Generation == _generation[w.Mail]))
                        {
                            _queue.Enqueue((mail, ++_generation[mail]), at);
                        }
                    }
                }
            }
        }

        private void ComputeEligible(int provider)
        {
            var eligible = RoutingPolicy.Eligible(_ips.Select(i => i.Row).ToList(), _excluded[provider], _settings.Routing.SpareThreshold);
            _eligible[provider] = eligible.Select(row => _ips.First(i => i.Id == row.Id)).ToArray();
        }

        /// <summary>Recovery probes meet the same providers: refused while the block lasts, accepted after.</summary>
        public SmtpReplay SmtpReplay => _smtpReplay!;
        public DateTime Now => _clock.GetUtcNow().UtcDateTime;

        private sealed class ReplayProbes(Run run) : IProbeTransport
        {
            public Task<string?> SendProbeAsync(SendingIp ip, string providerId, string recipient, int number, CancellationToken cancellationToken)
            {
                var index = run._ips.First(i => i.Id == ip.Id).PrimaryIndex;
                return Task.FromResult(run._world.BlockReply(providerId, index, run._clock.GetUtcNow().UtcDateTime) is { } refused ? $"{recipient}: {refused.Text}" : null);
            }
        }
    }

    /// <summary>Probes over SMTP see the simulators as they are at the virtual moment of the check.</summary>
    private sealed class ReplayProbesOverSmtp(Run run) : IProbeTransport
    {
        public Task<string?> SendProbeAsync(SendingIp ip, string providerId, string recipient, int number, CancellationToken cancellationToken)
        {
            var transport = new EngineProbeTransport(run.SmtpReplay.Engine, new RecoveryOptions());
            run.Smtp!.SyncTo(run.Now);
            return transport.SendProbeAsync(ip, providerId, recipient, number, cancellationToken);
        }
    }

    /// <summary>The replay names its providers itself; nothing in it looks up DNS.</summary>
    private sealed class NoDns : Infrastructure.Dns.IDnsResolver
    {
        private static Exception Unused() => new InvalidOperationException("The replay resolves no DNS names.");
        public Task<Infrastructure.Dns.DnsAnswer<Infrastructure.Dns.MxHost>> MxAsync(string domain, CancellationToken cancellationToken) => throw Unused();
        public Task<Infrastructure.Dns.DnsAnswer<System.Net.IPAddress>> AddressesAsync(string host, CancellationToken cancellationToken) => throw Unused();
        public Task<Infrastructure.Dns.DnsAnswer<string>> TxtAsync(string name, CancellationToken cancellationToken) => throw Unused();
        public Task<Infrastructure.Dns.DnsAnswer<System.Net.IPAddress>> AaaaAsync(string name, CancellationToken cancellationToken) => throw Unused();
    }
}
