using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;
using PrPortal.Features.Providers;
using PrPortal.Features.SendLog;
using PrPortal.Hosting;
using PrPortal.Sandbox.Scenarios;

namespace PrPortal.Features.DemoWorld;

public sealed record DemoWorldCounts(
    int SendingIps, int Companies, int AccountManagers, int Releases, int Recipients, int Deliveries, int Attempts,
    int FailedDeliveries, double Seconds);

/// <summary>
/// Fills the database with a believable, deterministic world: the sending pool, companies and their
/// account managers, 60 days of releases and deliveries, and the incident — the first 39 primaries
/// rejected by Microsoft consumer and Microsoft 365 MXes for the whole period, with the real replies.
/// Sizes, mixes and replies come from the reference scenario; the same seed and day give the same world.
/// </summary>
public sealed partial class DemoWorldSeeder(
    IDbContextFactory<PortalDbContext> factory,
    IServiceScopeFactory scopes,
    DemoOptions options,
    TimeProvider clock,
    Bounces.ReplyClassifier classifier,
    SenderAuth.DkimKeys dkimKeys,
    Sandbox.SandboxOptions sandbox,
    ILogger<DemoWorldSeeder> logger)
{
    public const string DemoUserDomain = "demo.prportal.local";
    private const int FullCompanies = DemoWorldCatalog.CompanyCount, FullReleases = 2_000, FullRecipients = 20_000, Days = 60;

    public async Task<bool> IsEmptyAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return !await db.SendingIps.AnyAsync(cancellationToken) && !await db.Companies.AnyAsync(cancellationToken);
    }

    /// <summary>Replaces the domain data (not the portal's users other than demo account managers) with the demo world.</summary>
    public async Task<DemoWorldCounts> SeedAsync(CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var scenario = IncidentScenario.Reference();
        var random = new Random(scenario.Seed);
        var now = clock.GetUtcNow().UtcDateTime;
        var start = now.AddDays(-Days);

        var managers = await CreateAccountManagersAsync(cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        // One transaction: a failed or interrupted seed leaves the previous data, never half a world.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await ClearAsync(db, cancellationToken);

        // The pool: 48 primaries and 4 spares from the documentation ranges.
        var ips = Enumerable.Range(0, scenario.Ips.Primary)
            .Select(i => new SendingIp { Address = $"203.0.113.{10 + i}", Role = SendingIpRole.Primary, HostName = $"mta{i + 1:00}.mail.prportal.example", BindAddress = $"127.0.1.{i + 1}", Transport = $"postfix-ip{i + 1:00}" })
            .Concat(Enumerable.Range(0, scenario.Ips.Spare)
                .Select(i => new SendingIp { Address = $"198.51.100.{10 + i}", Role = SendingIpRole.Spare, HostName = $"spare{i + 1:00}.mail.prportal.example", BindAddress = $"127.0.1.{scenario.Ips.Primary + i + 1}", Transport = $"postfix-spare{i + 1:00}" }))
            .ToList();
        db.SendingIps.AddRange(ips);

        var companyCount = Scaled(FullCompanies);
        var companies = Enumerable.Range(0, companyCount).Select(i => new Company
        {
            Name = DemoWorldCatalog.CompanyName(i),
            ContactEmail = $"pr@{DemoWorldCatalog.CompanyDomain(i)}",
            AccountManagerId = managers[i % managers.Count],
        }).ToList();
        db.Companies.AddRange(companies);
        await db.SaveChangesAsync(cancellationToken);
        foreach (var (index, _) in DemoWorldCatalog.SenderDomains.Where(s => s.CompanyIndex < companies.Count))
        {
            // Registered a month ago; the sandbox publishes (or not) what each company's DNS admin did.
            var pair = SenderAuth.DkimKeys.Generate();
            db.SenderDomains.Add(new SenderDomain
            {
                CompanyId = companies[index].Id,
                Domain = DemoWorldCatalog.CompanyDomain(index),
                Selector = "prp" + now.AddDays(-30).ToString("yyyyMM", System.Globalization.CultureInfo.InvariantCulture),
                DkimPublicKey = pair.PublicKey,
                DkimPrivateKeyProtected = dkimKeys.Protect(pair.PrivateKeyPem),
                CreatedAtUtc = now.AddDays(-30),
            });
        }
        await db.SaveChangesAsync(cancellationToken);

        var primaries = ips.Where(i => i.Role == SendingIpRole.Primary).ToList();
        var blocks = scenario.Blocks
            .Select(b => (b.Provider, Ips: b.PrimaryIndexes().Select(x => primaries[x].Id).ToHashSet(), b.Reply))
            .ToList();

        var connection = (SqliteConnection)db.Database.GetDbConnection();

        var recipients = await InsertRecipientsAsync(connection, scenario, companies, random, cancellationToken);
        var releases = await InsertReleasesAsync(connection, companies, start, now, random, cancellationToken);
        var (deliveries, attempts, failed) = await InsertDeliveriesAsync(
            connection, scenario, releases, recipients, primaries, blocks, now, random, Meaning, cancellationToken);

        await RollupWriter.RebuildAsync(db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync("ANALYZE;", cancellationToken);

        if (options.DetectIncident)
        {
            await DetectAsync(cancellationToken);
        }

        var counts = new DemoWorldCounts(ips.Count, companies.Count, managers.Count, releases.Count, recipients.All.Count,
            deliveries, attempts, failed, Math.Round(watch.Elapsed.TotalSeconds, 2));
        logger.LogInformation("Demo world seeded: {Counts}", counts);
        return counts;
    }

    /// <summary>
    /// The demo tells its incident's story from the start: the detector reads the demo's attempts of the
    /// blocked providers in time order, as it would have live, and its detections open the incident, take
    /// the blocked cells out of routing (the detector as author, spares in where the policy puts them) and
    /// leave the audit and the affected report ready.
    /// </summary>
    private async Task DetectAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var detector = new Incidents.BlockDetector(scope.ServiceProvider.GetRequiredService<Incidents.DetectorOptions>());
        var providers = IncidentScenario.Reference().Blocks.Select(b => b.Provider).Distinct().ToList();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var attempts = await db.DeliveryAttempts.AsNoTracking()
            .Where(a => providers.Contains(a.ProviderId) && a.Outcome != AttemptOutcome.Deferred)
            .OrderBy(a => a.AttemptedAtUtc).ThenBy(a => a.Id)
            .Select(a => new { a.AttemptedAtUtc, Ip = a.SendingIp!.Address, a.ProviderId, a.Outcome, a.IpBlock, a.Delivery!.Recipient!.Email, a.ReplyText })
            .ToListAsync(cancellationToken);
        var detections = new List<Incidents.Detection>();
        foreach (var a in attempts)
        {
            detections.AddRange(detector.Observe(new Incidents.Observation(a.AttemptedAtUtc, a.Ip, a.ProviderId, a.Outcome, a.IpBlock, a.Email, a.ReplyText))
                .Where(d => d.Kind == Incidents.DetectionKind.IpBlock));
        }
        await scope.ServiceProvider.GetRequiredService<Incidents.IncidentService>().ApplyAsync(detections, Data.Entities.IncidentClass.Live, cancellationToken);
        logger.LogInformation("Demo world: the detector read {Attempts} attempts and found {Cells} blocked cells", attempts.Count, detections.Count);
    }

    private readonly Dictionary<string, Bounces.Classification> _meanings = [];

    // The same classifier as live attempts, so the demo's reasons are what ingestion would give.
    private Bounces.Classification Meaning(string reply)
    {
        lock (_meanings)
        {
            if (!_meanings.TryGetValue(reply, out var meaning))
            {
                meaning = _meanings[reply] = classifier.ClassifyReply(reply);
            }
            return meaning;
        }
    }

    private int Scaled(int full) => Math.Max(1, (int)Math.Round(full * options.Scale));

    private static async Task ClearAsync(PortalDbContext db, CancellationToken cancellationToken)
    {
        // The world's incidents and routing changes go with it: a new world tells its own story.
        await db.Database.ExecuteSqlRawAsync("""
            DELETE FROM RoutingExclusions;
            DELETE FROM IncidentEvents;
            DELETE FROM IncidentCells;
            DELETE FROM Incidents;
            DELETE FROM AttemptRollups;
            DELETE FROM ResendItems;
            DELETE FROM ResendBatches;
            DELETE FROM CompanyContacts;
            DELETE FROM FailedDeliveries;
            DELETE FROM DeliveryAttempts;
            DELETE FROM Deliveries;
            DELETE FROM Releases;
            DELETE FROM Recipients;
            DELETE FROM SenderDomains;
            DELETE FROM Companies;
            DELETE FROM SendingIps;
            """, cancellationToken);
    }

    private async Task<List<string>> CreateAccountManagersAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var ids = new List<string>();
        for (var i = 0; i < DemoWorldCatalog.AccountManagers.Length; i++)
        {
            var email = $"am{i + 1:00}@{DemoUserDomain}";
            var user = await users.FindByEmailAsync(email);
            if (user is null)
            {
                // Demo account managers have no password: an admin gives one before they can sign in.
                user = new PortalUser
                {
                    UserName = email,
                    Email = email,
                    EmailConfirmed = true,
                    DisplayName = DemoWorldCatalog.AccountManagers[i],
                    CreatedAtUtc = clock.GetUtcNow().UtcDateTime,
                };
                var created = await users.CreateAsync(user);
                if (!created.Succeeded)
                {
                    throw new InvalidOperationException($"Demo account manager {email}: {created.Errors.First().Description}");
                }
                await users.AddToRoleAsync(user, PortalRoles.AccountManager);
            }
            ids.Add(user.Id);
        }
        cancellationToken.ThrowIfCancellationRequested();
        return ids;
    }

    private sealed record SeedRecipient(int Id, string Email, RecipientCategory Category, DemoWorldCatalog.DomainInfo Domain, int? CompanyId, string? PersonalFailure);

    private sealed record RecipientPools(List<SeedRecipient> All, Dictionary<RecipientCategory, List<SeedRecipient>> ByCategory, Dictionary<int, List<SeedRecipient>> ImportLists);

    private async Task<RecipientPools> InsertRecipientsAsync(
        SqliteConnection connection, IncidentScenario scenario, List<Company> companies, Random random, CancellationToken cancellationToken)
    {
        var domains = DemoWorldCatalog.DomainsByProvider();
        var providerPick = Picker(scenario.ProviderMix);
        var total = Scaled(FullRecipients);
        var categoryCounts = scenario.CategoryMix.ToDictionary(
            kv => Enum.Parse<RecipientCategory>(kv.Key), kv => Math.Max(1, (int)Math.Round(total * kv.Value)));

        // Companies that import their own lists; their lists are small, as in the incident.
        var importers = companies.Where((_, i) => i % 5 == 0).Select(c => c.Id).ToArray();

        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO Recipients (Id, Email, Domain, Category, CompanyId) VALUES ($id, $email, $domain, $category, $company)";
        var pId = command.Parameters.Add("$id", SqliteType.Integer);
        var pEmail = command.Parameters.Add("$email", SqliteType.Text);
        var pDomain = command.Parameters.Add("$domain", SqliteType.Text);
        var pCategory = command.Parameters.Add("$category", SqliteType.Integer);
        var pCompany = command.Parameters.Add("$company", SqliteType.Integer);
        command.Prepare();

        var all = new List<SeedRecipient>(total);
        var failures = scenario.BackgroundFailures;
        var id = 0;
        foreach (var (category, count) in categoryCounts.OrderBy(kv => kv.Key))
        {
            for (var n = 0; n < count; n++)
            {
                var provider = providerPick(random);
                var options = domains[provider];
                var domain = options[random.Next(options.Length)];
                id++;
                var local = category switch
                {
                    RecipientCategory.MediaUser => $"{Desks[random.Next(Desks.Length)]}{id}",
                    RecipientCategory.CuratedList => $"editor{id}",
                    _ => $"{GivenNames[random.Next(GivenNames.Length)]}.{FamilyNames[random.Next(FamilyNames.Length)]}{id}",
                };
                int? companyId = category == RecipientCategory.ImportList ? importers[random.Next(importers.Length)] : null;
                // Some addresses fail on their own (unknown user, full mailbox), always the same ones.
                var roll = random.NextDouble();
                var personal = roll < failures.GetValueOrDefault("userunknown") ? "userunknown"
                    : roll < failures.GetValueOrDefault("userunknown") + failures.GetValueOrDefault("mailboxfull") ? "mailboxfull"
                    : null;
                var recipient = new SeedRecipient(id, $"{local}@{domain.Domain}", category, domain, companyId, personal);
                all.Add(recipient);

                pId.Value = recipient.Id;
                pEmail.Value = recipient.Email;
                pDomain.Value = domain.Domain;
                pCategory.Value = (int)category;
                pCompany.Value = (object?)companyId ?? DBNull.Value;
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        return new RecipientPools(
            all,
            all.GroupBy(r => r.Category).ToDictionary(g => g.Key, g => g.ToList()),
            all.Where(r => r.CompanyId is not null).GroupBy(r => r.CompanyId!.Value).ToDictionary(g => g.Key, g => g.ToList()));
    }

    private sealed record SeedRelease(int Id, int CompanyId, DateTime PublishedAtUtc);

    private async Task<List<SeedRelease>> InsertReleasesAsync(
        SqliteConnection connection, List<Company> companies, DateTime start, DateTime now, Random random, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO Releases (Id, CompanyId, Title, PublishedAtUtc, FromAddress, Html) VALUES ($id, $company, $title, $published, $from, $html)";
        var pId = command.Parameters.Add("$id", SqliteType.Integer);
        var pCompany = command.Parameters.Add("$company", SqliteType.Integer);
        var pTitle = command.Parameters.Add("$title", SqliteType.Text);
        var pPublished = command.Parameters.Add("$published", SqliteType.Text);
        var pFrom = command.Parameters.Add("$from", SqliteType.Text);
        var pHtml = command.Parameters.Add("$html", SqliteType.Text);
        command.Prepare();

        var span = (now - start).TotalMinutes;
        var releases = new List<SeedRelease>();
        var count = Scaled(FullReleases);
        for (var id = 1; id <= count; id++)
        {
            // A few companies publish much more than the rest.
            var index = (int)(Math.Pow(random.NextDouble(), 2) * companies.Count);
            var company = companies[index];
            var published = start.AddMinutes(random.NextDouble() * span);
            var ownFrom = DemoWorldCatalog.SendsOwnFrom(index);
            releases.Add(new SeedRelease(id, company.Id, published));

            pId.Value = id;
            pCompany.Value = company.Id;
            var title = $"{company.Name}、{DemoWorldCatalog.Products[random.Next(DemoWorldCatalog.Products.Length)]}のお知らせ";
            pTitle.Value = title;
            pHtml.Value = Sandbox.Http.DemoLinkSites.ReleaseHtml(id, index, title, sandbox.LinkWorldPort);
            pPublished.Value = published;
            pFrom.Value = ownFrom ? company.ContactEmail! : "release@mail.prportal.example";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        return releases;
    }

    private static async Task<(int Deliveries, int Attempts, int Failed)> InsertDeliveriesAsync(
        SqliteConnection connection,
        IncidentScenario scenario,
        List<SeedRelease> releases,
        RecipientPools recipients,
        List<SendingIp> primaries,
        List<(string Provider, HashSet<int> Ips, string Reply)> blocks,
        DateTime now,
        Random random,
        Func<string, Bounces.Classification> meaning,
        CancellationToken cancellationToken)
    {
        using var delivery = connection.CreateCommand();
        delivery.CommandText = "INSERT INTO Deliveries (Id, ReleaseId, RecipientId, QueuedAtUtc, Status) VALUES ($id, $release, $recipient, $queued, $status)";
        var dId = delivery.Parameters.Add("$id", SqliteType.Integer);
        var dRelease = delivery.Parameters.Add("$release", SqliteType.Integer);
        var dRecipient = delivery.Parameters.Add("$recipient", SqliteType.Integer);
        var dQueued = delivery.Parameters.Add("$queued", SqliteType.Text);
        var dStatus = delivery.Parameters.Add("$status", SqliteType.Integer);
        delivery.Prepare();

        using var attempt = connection.CreateCommand();
        attempt.CommandText = """
            INSERT INTO DeliveryAttempts (DeliveryId, AttemptedAtUtc, SendingIpId, ProviderId, MxHost, ReplyCode, EnhancedStatus, ReplyText, Reason, IpBlock, BlockList, Outcome)
            VALUES ($delivery, $at, $ip, $provider, $mx, $code, $status, $text, $reason, $ipblock, $list, $outcome)
            """;
        var aDelivery = attempt.Parameters.Add("$delivery", SqliteType.Integer);
        var aAt = attempt.Parameters.Add("$at", SqliteType.Text);
        var aIp = attempt.Parameters.Add("$ip", SqliteType.Integer);
        var aProvider = attempt.Parameters.Add("$provider", SqliteType.Text);
        var aMx = attempt.Parameters.Add("$mx", SqliteType.Text);
        var aCode = attempt.Parameters.Add("$code", SqliteType.Integer);
        var aStatus = attempt.Parameters.Add("$status", SqliteType.Text);
        var aText = attempt.Parameters.Add("$text", SqliteType.Text);
        var aReason = attempt.Parameters.Add("$reason", SqliteType.Text);
        var aIpBlock = attempt.Parameters.Add("$ipblock", SqliteType.Integer);
        var aList = attempt.Parameters.Add("$list", SqliteType.Text);
        var aOutcome = attempt.Parameters.Add("$outcome", SqliteType.Integer);
        attempt.Prepare();

        var pending = new List<(DateTime At, (int Code, string Status, string Text) Reply, AttemptOutcome Outcome)>();
        void AddAttempt(DateTime at, (int Code, string Status, string Text) reply, AttemptOutcome outcome) =>
            pending.Add((at, reply, outcome));

        var networkErrorShare = scenario.BackgroundFailures.GetValueOrDefault("networkerror");
        long deliveryId = 0;
        int attempts = 0, failed = 0;
        var chosen = new HashSet<int>();
        foreach (var release in releases)
        {
            chosen.Clear();
            var audience = new List<SeedRecipient>();
            Sample(recipients.ByCategory.GetValueOrDefault(RecipientCategory.MediaUser), 40 + random.Next(60));
            Sample(recipients.ByCategory.GetValueOrDefault(RecipientCategory.IndividualUser), 10 + random.Next(20));
            if (random.NextDouble() < 0.3)
            {
                Sample(recipients.ByCategory.GetValueOrDefault(RecipientCategory.CuratedList), 5 + random.Next(15));
            }
            audience.AddRange(recipients.ImportLists.GetValueOrDefault(release.CompanyId) ?? []);

            foreach (var to in audience)
            {
                deliveryId++;
                var at = release.PublishedAtUtc.AddSeconds(random.Next(1, 900));
                if (at > now)
                {
                    at = now;
                }
                var ip = primaries[random.Next(primaries.Count)];
                pending.Clear();
                var block = blocks.FirstOrDefault(b => b.Provider == to.Domain.ProviderId && b.Ips.Contains(ip.Id));
                DeliveryStatus status;
                if (block.Reply is not null)
                {
                    var text = block.Reply.Replace("{ip}", ip.Address);
                    AddAttempt(at, (ReplyCode(text), EnhancedStatus(text), text), AttemptOutcome.Rejected);
                    status = DeliveryStatus.Failed;
                }
                else if (to.PersonalFailure is "userunknown")
                {
                    AddAttempt(at, DemoWorldCatalog.UserUnknown(to.Domain.ProviderId, to.Email), AttemptOutcome.Rejected);
                    status = DeliveryStatus.Failed;
                }
                else if (to.PersonalFailure is "mailboxfull")
                {
                    AddAttempt(at, DemoWorldCatalog.MailboxFull(to.Domain.ProviderId), AttemptOutcome.Rejected);
                    status = DeliveryStatus.Failed;
                }
                else
                {
                    if (random.NextDouble() < networkErrorShare)
                    {
                        AddAttempt(at, (421, "4.4.2", DemoWorldCatalog.NetworkError), AttemptOutcome.Deferred);
                        at = at.AddMinutes(15) > now ? now : at.AddMinutes(15);
                    }
                    AddAttempt(at, DemoWorldCatalog.Accepted(to.Domain.ProviderId, random), AttemptOutcome.Accepted);
                    status = DeliveryStatus.Delivered;
                }
                if (status == DeliveryStatus.Failed)
                {
                    failed++;
                }

                dId.Value = deliveryId;
                dRelease.Value = release.Id;
                dRecipient.Value = to.Id;
                dQueued.Value = release.PublishedAtUtc;
                dStatus.Value = (int)status;
                await delivery.ExecuteNonQueryAsync(cancellationToken);

                foreach (var a in pending)
                {
                    aDelivery.Value = deliveryId;
                    aAt.Value = a.At;
                    aIp.Value = ip.Id;
                    aProvider.Value = to.Domain.ProviderId;
                    aMx.Value = to.Domain.MxHost;
                    aCode.Value = a.Reply.Code;
                    aStatus.Value = a.Reply.Status;
                    aText.Value = a.Reply.Text;
                    var m = a.Outcome == AttemptOutcome.Accepted ? null : meaning(a.Reply.Text);
                    aReason.Value = (object?)m?.Reason ?? DBNull.Value;
                    aIpBlock.Value = m?.IpBlock == true ? 1 : 0;
                    aList.Value = (object?)m?.List ?? DBNull.Value;
                    aOutcome.Value = (int)a.Outcome;
                    await attempt.ExecuteNonQueryAsync(cancellationToken);
                }
                attempts += pending.Count;
            }

            void Sample(List<SeedRecipient>? pool, int count)
            {
                if (pool is null)
                {
                    return;
                }
                for (var i = 0; i < Math.Min(count, pool.Count); i++)
                {
                    var pick = pool[random.Next(pool.Count)];
                    if (chosen.Add(pick.Id))
                    {
                        audience.Add(pick);
                    }
                }
            }
        }
        return ((int)deliveryId, attempts, failed);
    }

    private static Func<Random, string> Picker(Dictionary<string, double> mix)
    {
        var entries = mix.ToArray();
        var total = entries.Sum(e => e.Value);
        return random =>
        {
            var roll = random.NextDouble() * total;
            foreach (var (key, share) in entries)
            {
                if ((roll -= share) < 0)
                {
                    return key;
                }
            }
            return entries[^1].Key;
        };
    }

    private static int ReplyCode(string reply) => int.TryParse(reply.AsSpan(0, 3), out var code) ? code : 550;

    private static string EnhancedStatus(string reply) => EnhancedStatusPattern().Match(reply) is { Success: true } m ? m.Value : "5.0.0";

    [GeneratedRegex(@"\b[245]\.\d{1,3}\.\d{1,3}\b")]
    private static partial Regex EnhancedStatusPattern();

    private static readonly string[] Desks = ["news", "desk", "editor", "press", "kisha", "henshu", "keizai", "tech"];
    private static readonly string[] GivenNames = ["taro", "hanako", "yuki", "ken", "aoi", "sota", "mei", "riku", "hina", "kaito"];
    private static readonly string[] FamilyNames = ["sato", "suzuki", "takahashi", "tanaka", "ito", "watanabe", "yamamoto", "nakamura"];
}
