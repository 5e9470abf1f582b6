using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using DeliveryRow = PrPortal.Data.Entities.Delivery;

namespace PrPortal.Features.Delivery;

/// <summary>How much mail to send and how fast; with a provider mix, recipients are drawn per provider by those shares.</summary>
public sealed record TrafficPlan(int Mails, double MailsPerSecond, int Concurrency = 8, IReadOnlyDictionary<string, double>? ProviderMix = null,
    TrafficClass Class = TrafficClass.Customer);

public sealed record TrafficProgress(int Sent, int Total, int Accepted, int Deferred, int Rejected, int Errors, double Seconds)
{
    public double Percent => Total == 0 ? 100 : 100.0 * Sent / Total;
}

/// <summary>
/// Sends a stream of release mails at a set rate through the real engine: one new release of a random
/// company to recipients drawn from the database, each from a random primary IP, every attempt recorded.
/// </summary>
public sealed class TrafficGenerator(IDbContextFactory<PortalDbContext> factory, ReleaseSender sender, AttemptRecorder recorder,
    Providers.ProviderResolver providers, TimeProvider clock)
{
    public async Task<TrafficProgress> RunAsync(TrafficPlan plan, IProgress<TrafficProgress>? progress, CancellationToken cancellationToken)
    {
        if (plan.Mails is <= 0 or > 100_000 || plan.MailsPerSecond is <= 0 or > 10_000 || plan.Concurrency is <= 0 or > 256)
        {
            throw new ArgumentException("Mails must be 1–100,000, the rate 0–10,000 per second and concurrency 1–256.");
        }
        var watch = Stopwatch.StartNew();
        var (release, recipients, companyName) = await PrepareAsync(plan.Mails, plan.ProviderMix, plan.Class, cancellationToken);
        int sent = 0, accepted = 0, deferred = 0, rejected = 0, errors = 0;
        var pending = new List<AttemptResult>();
        var gate = new SemaphoreSlim(plan.Concurrency);
        var tasks = new List<Task>();
        for (var i = 0; i < recipients.Count; i++)
        {
            var due = TimeSpan.FromSeconds(i / plan.MailsPerSecond) - watch.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }
            await gate.WaitAsync(cancellationToken);
            var (deliveryId, email) = recipients[i];
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    var results = await sender.SendRoutedAsync(new ReleaseMail(deliveryId, email, release.FromAddress, companyName, release.Title, ReleaseContent.FromText(ReleaseMessage.StandInBody)), cancellationToken);
                    if (results is null)
                    {
                        // Every IP is excluded for this provider: the mail waits rather than going out blocked.
                        Interlocked.Increment(ref deferred);
                        return;
                    }
                    List<AttemptResult>? batch = null;
                    lock (pending)
                    {
                        foreach (var r in results)
                        {
                            sent++;
                            switch (r.Outcome)
                            {
                                case AttemptOutcome.Accepted: accepted++; break;
                                case AttemptOutcome.Deferred: deferred++; break;
                                case AttemptOutcome.Rejected: rejected++; break;
                                default: errors++; break;
                            }
                        }
                        pending.AddRange(results);
                        if (pending.Count >= 200)
                        {
                            batch = [.. pending];
                            pending.Clear();
                        }
                        progress?.Report(new TrafficProgress(sent, recipients.Count, accepted, deferred, rejected, errors, watch.Elapsed.TotalSeconds));
                    }
                    if (batch is not null)
                    {
                        await recorder.RecordAsync(batch, cancellationToken, plan.Class);
                    }
                }
                finally
                {
                    gate.Release();
                }
            }, cancellationToken));
        }
        await Task.WhenAll(tasks);
        await recorder.RecordAsync(pending, cancellationToken, plan.Class);
        var done = new TrafficProgress(sent, recipients.Count, accepted, deferred, rejected, errors, watch.Elapsed.TotalSeconds);
        progress?.Report(done);
        return done;
    }

    private async Task<(Release Release, List<(long DeliveryId, string Email)> Recipients, string CompanyName)> PrepareAsync(
        int mails, IReadOnlyDictionary<string, double>? mix, TrafficClass trafficClass, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var company = await db.Companies.Where(c => c.Name != DeliveryService.TestCompanyName).OrderBy(c => c.Id)
            .Skip(Random.Shared.Next(Math.Max(1, await db.Companies.CountAsync(cancellationToken) - 1))).FirstOrDefaultAsync(cancellationToken)
            ?? throw new InvalidOperationException("There is no company to send for: seed the demo world first.");
        var release = new Release
        {
            CompanyId = company.Id,
            Title = $"{company.Name}、トラフィック試験配信",
            PublishedAtUtc = clock.GetUtcNow().UtcDateTime,
            FromAddress = $"release@{ReleaseMessage.SenderDomain}",
        };
        db.Releases.Add(release);
        await db.SaveChangesAsync(cancellationToken);

        List<(int Id, string Email)> chosen;
        if (mix is null)
        {
            var total = await db.Recipients.CountAsync(cancellationToken);
            chosen = (await db.Recipients.AsNoTracking().OrderBy(r => r.Id)
                .Skip(total > mails ? Random.Shared.Next(total - mails) : 0).Take(mails)
                .Select(r => new { r.Id, r.Email }).ToListAsync(cancellationToken)).Select(r => (r.Id, r.Email)).ToList();
        }
        else
        {
            chosen = await ChooseByProviderAsync(db, mails, mix, cancellationToken);
        }
        var rows = chosen.Select(r => new DeliveryRow { ReleaseId = release.Id, RecipientId = r.Id, QueuedAtUtc = release.PublishedAtUtc, TrafficClass = trafficClass }).ToList();
        db.Deliveries.AddRange(rows);
        await db.SaveChangesAsync(cancellationToken);
        return (release, rows.Zip(chosen, (d, r) => (d.Id, r.Email)).ToList(), company.Name);
    }

    /// <summary>Recipients drawn by provider share, each at most once; a provider out of recipients leaves its share to the others.</summary>
    private async Task<List<(int Id, string Email)>> ChooseByProviderAsync(PortalDbContext db, int mails, IReadOnlyDictionary<string, double> mix, CancellationToken cancellationToken)
    {
        var all = await db.Recipients.AsNoTracking().Select(r => new { r.Id, r.Email, r.Domain }).ToListAsync(cancellationToken);
        var providerOf = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var domain in all.Select(r => r.Domain).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            providerOf[domain] = (await providers.ResolveAsync(domain, cancellationToken)).Provider;
        }
        var pools = all.GroupBy(r => providerOf[r.Domain]).Where(g => mix.ContainsKey(g.Key))
            .ToDictionary(g => g.Key, g => new Queue<(int, string)>(g.Select(r => (r.Id, r.Email)).OrderBy(_ => Random.Shared.Next())));
        var chosen = new List<(int Id, string Email)>(mails);
        while (chosen.Count < mails)
        {
            var open = pools.Where(p => p.Value.Count > 0 && mix[p.Key] > 0).ToList();
            if (open.Count == 0)
            {
                break;
            }
            var draw = Random.Shared.NextDouble() * open.Sum(p => mix[p.Key]);
            var pick = open.First(p => (draw -= mix[p.Key]) < 0 || p.Key == open[^1].Key);
            chosen.Add(pick.Value.Dequeue());
        }
        return chosen;
    }
}
