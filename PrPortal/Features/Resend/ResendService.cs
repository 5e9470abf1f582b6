using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Reports;

namespace PrPortal.Features.Resend;

/// <summary>Section "Resend": the automatic policy's defaults (the portal's settings page can change them).</summary>
public sealed record ResendOptions : Hosting.IValidatedOptions
{
    public bool AutoEnabled { get; init; } = true;
    /// <summary>IP-block failures younger than this are resent without asking; older ones need the company's consent.</summary>
    public int AutoWithinHours { get; init; } = 24;
    /// <summary>A resend delayed at least this long carries the delay notice.</summary>
    public int NoticeAfterMinutes { get; init; } = 60;
    /// <summary>Resends per provider per minute, so a resend never looks like a burst to the provider.</summary>
    public int PerProviderPerMinute { get; init; } = 600;
    /// <summary>Deferred or unreachable tries before an item counts as failed.</summary>
    public int MaxTries { get; init; } = 5;
    /// <summary>How long a runner's claim on an item holds: longer than any SMTP transaction (connect plus commands).</summary>
    public int LeaseSeconds { get; init; } = 600;

    public IEnumerable<(string Key, string Problem)> Validate()
    {
        if (AutoWithinHours is < 1 or > 336)
        {
            yield return (nameof(AutoWithinHours), $"must be 1 to 336 hours (is {AutoWithinHours})");
        }
        if (NoticeAfterMinutes is < 0 or > 20160)
        {
            yield return (nameof(NoticeAfterMinutes), $"must be 0 to 20160 minutes (is {NoticeAfterMinutes})");
        }
        if (PerProviderPerMinute is < 1 or > 100_000)
        {
            yield return (nameof(PerProviderPerMinute), $"must be 1 to 100000 (is {PerProviderPerMinute})");
        }
        if (MaxTries is < 1 or > 100)
        {
            yield return (nameof(MaxTries), $"must be 1 to 100 (is {MaxTries})");
        }
        if (LeaseSeconds is < 1 or > 86_400)
        {
            yield return (nameof(LeaseSeconds), $"must be 1 to 86400 seconds (is {LeaseSeconds})");
        }
    }
}

public sealed record ResendPolicy(bool AutoEnabled, int AutoWithinHours, int NoticeAfterMinutes, int PerProviderPerMinute);

/// <summary>What a resend covers: an affected scope narrowed to a company, a release or categories.</summary>
public sealed record ResendRequest
{
    public required AffectedScope Scope { get; init; }
    public int? CompanyId { get; init; }
    /// <summary>Several companies at once (the ops verb); empty: as <see cref="CompanyId"/> says.</summary>
    public IReadOnlyList<int> CompanyIds { get; init; } = [];
    public int? ReleaseId { get; init; }
    public IReadOnlyList<RecipientCategory> Categories { get; init; } = [];
    public string Language { get; init; } = "ja";
    public string? ConsentReference { get; init; }
    /// <summary>A person saw that a release links somewhere dangerous and chose to send it anyway.</summary>
    public bool ConfirmedDangerousLinks { get; init; }
    /// <summary>Nobody looked at the links (a company's answer by its consent link): releases linking somewhere dangerous are held for support, as the automatic policy holds them.</summary>
    public bool HoldDangerousLinks { get; init; }

    public string Key => Scope.Describe()
        + (Scope.ExtraReasons.Count > 0 ? " · +" + string.Join(",", Scope.ExtraReasons) : "")
        + (CompanyId is { } c ? $" · company {c}" : "")
        + (CompanyIds.Count > 0 ? " · companies " + string.Join(",", CompanyIds.Order()) : "")
        + (ReleaseId is { } r ? $" · release {r}" : "")
        + (Categories.Count > 0 ? " · " + string.Join(",", Categories.Order()) : "");
}

/// <summary>The batch before it is made: what would go, and what is left out and why.</summary>
public sealed record ResendPlan(
    string Scope,
    IReadOnlyDictionary<RecipientCategory, int> ToSend,
    int ExcludedOwnReason,
    int ExcludedDelivered,
    int ExcludedUnsubscribed,
    int ExcludedElsewhere,
    int ExcludedNoConsent,
    int ExcludedDeclined,
    int ExcludedNoBody,
    IReadOnlyList<(long DeliveryId, RecipientCategory Category, string ProviderId)> Items,
    IReadOnlyList<int> ReleaseIds,
    IReadOnlyList<(int Id, string Title)> NoBodyReleases)
{
    public int Total => ToSend.Values.Sum();

    /// <summary>The same plan without these releases' mail (held for a person).</summary>
    public ResendPlan Without(IReadOnlySet<int> releases, IReadOnlyDictionary<long, int> releaseOf)
    {
        var items = Items.Where(i => !releases.Contains(releaseOf[i.DeliveryId])).ToList();
        return this with
        {
            Items = items,
            ToSend = RecipientCategories.All.ToDictionary(c => c, c => items.Count(i => i.Category == c)),
            ReleaseIds = ReleaseIds.Where(r => !releases.Contains(r)).ToList(),
        };
    }
}

public sealed record BatchProgress(int Id, string Scope, ResendBatchState State, bool Automatic, string StartedBy, string? ConsentReference,
    DateTime CreatedAtUtc, DateTime? FinishedAtUtc, int Total, int Pending, int Sending, int Sent, int Failed, int Skipped,
    int Excluded, string? Counts, string? Outcome, string Language, string? Company = null, int? IncidentId = null, BatchKind Kind = BatchKind.Resend)
{
    public double Done => Total == 0 ? 1 : (Sent + Failed + Skipped) / (double)Total;
}

/// <summary>Refused with a reason a user can act on (the company declined, no consent yet).</summary>
public sealed class ResendRefusedException(string message) : Exception(message);

/// <summary>
/// Plans, starts and steers resend batches. A batch is made from the failure ledger: recipients who
/// failed for their own reason, were delivered meanwhile, unsubscribed, or are already in another batch
/// are left out and counted. Failures older than the automatic window need the company's consent; a
/// company that declined is refused. Starting the same batch twice at once gives one batch.
/// </summary>
public sealed class ResendService(
    IDbContextFactory<PortalDbContext> factory,
    AffectedReportService reports,
    ResendOptions options,
    TimeProvider clock,
    IServiceProvider services)
{
    /// <summary>Reasons that belong to the recipient, not to us: their mail is not resent.</summary>
    public static readonly HashSet<string> OwnReasons = ["userunknown", "hasmoved", "mailboxfull", "suspend", "filtered", "notaccept", "norelaying"];

    private static readonly SemaphoreSlim Starting = new(1, 1);

    public async Task<ResendPolicy> PolicyAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var row = await db.ResendPolicySettings.AsNoTracking().FirstOrDefaultAsync(cancellationToken);
        return row is null
            ? new ResendPolicy(options.AutoEnabled, options.AutoWithinHours, options.NoticeAfterMinutes, options.PerProviderPerMinute)
            : new ResendPolicy(row.AutoEnabled, row.AutoWithinHours, row.NoticeAfterMinutes, row.PerProviderPerMinute);
    }

    public async Task SavePolicyAsync(ClaimsPrincipal user, ResendPolicy policy, CancellationToken cancellationToken)
    {
        RequireStaff(user);
        if (policy.AutoWithinHours is < 1 or > 24 * 14 || policy.NoticeAfterMinutes is < 0 or > 24 * 60 * 14 || policy.PerProviderPerMinute is < 1 or > 100_000)
        {
            throw new ArgumentException("automatic window 1–336 hours, notice after 0–20160 minutes, 1–100000 mails per provider per minute");
        }
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var row = await db.ResendPolicySettings.FirstOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            db.ResendPolicySettings.Add(row = new ResendPolicySetting { Id = 1, UpdatedBy = "" });
        }
        row.AutoEnabled = policy.AutoEnabled;
        row.AutoWithinHours = policy.AutoWithinHours;
        row.NoticeAfterMinutes = policy.NoticeAfterMinutes;
        row.PerProviderPerMinute = policy.PerProviderPerMinute;
        row.UpdatedBy = user.Identity?.Name ?? "unknown";
        row.UpdatedAtUtc = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<DelayNoticeTemplate> TemplateAsync(string language, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var row = await db.NoticeTemplates.AsNoTracking().FirstOrDefaultAsync(t => t.Language == language, cancellationToken);
        return row is null ? DelayNotice.Default(language) : new DelayNoticeTemplate(row.Language, row.SubjectPrefix, row.Html, row.Text);
    }

    /// <summary>Saves a template that passes <see cref="DelayNotice.Validate"/>; otherwise throws with every reason.</summary>
    public async Task SaveTemplateAsync(ClaimsPrincipal user, DelayNoticeTemplate template, CancellationToken cancellationToken)
    {
        RequireStaff(user);
        var errors = DelayNotice.Validate(template);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors.Select(e => Infrastructure.Text.LocalText.Plain(e))));
        }
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var row = await db.NoticeTemplates.FirstOrDefaultAsync(t => t.Language == template.Language, cancellationToken);
        if (row is null)
        {
            db.NoticeTemplates.Add(row = new NoticeTemplate { Language = template.Language, Html = "", Text = "", UpdatedBy = "" });
        }
        row.SubjectPrefix = string.IsNullOrEmpty(template.SubjectPrefix) ? null : template.SubjectPrefix;
        row.Html = template.Html;
        row.Text = template.Text;
        row.UpdatedBy = user.Identity?.Name ?? "unknown";
        row.UpdatedAtUtc = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>What a batch for this request would send, and what it leaves out.</summary>
    public async Task<ResendPlan> PlanAsync(ResendRequest request, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await PlanAsync(db, request, automatic: false, cancellationToken);
    }

    private async Task<ResendPlan> PlanAsync(PortalDbContext db, ResendRequest request, bool automatic, CancellationToken cancellationToken)
    {
        var policy = await PolicyAsync(cancellationToken);
        var scope = request.Scope;
        if (request.CompanyId is { } companyId)
        {
            scope = scope with { Companies = scope.Companies is null || scope.Companies.Contains(companyId) ? new HashSet<int> { companyId } : new HashSet<int>() };
        }
        if (request.CompanyIds.Count > 0)
        {
            scope = scope with { Companies = request.CompanyIds.Where(c => scope.Companies is null || scope.Companies.Contains(c)).ToHashSet() };
        }
        var (scopeFrom, scopeUntil, rows) = await reports.ReadAsync(db, scope, cancellationToken, includeDelivered: true);
        if (request.ReleaseId is { } releaseId)
        {
            rows = rows.Where(r => r.ReleaseId == releaseId).ToList();
        }
        if (request.Categories.Count > 0)
        {
            rows = rows.Where(r => request.Categories.Contains(r.Category)).ToList();
        }

        var recipientIds = rows.Select(r => r.RecipientId).Distinct().ToList();
        var unsubscribed = (await db.Recipients.AsNoTracking().Where(r => recipientIds.Contains(r.Id) && r.UnsubscribedAtUtc != null)
            .Select(r => r.Id).ToListAsync(cancellationToken)).ToHashSet();
        // A recipient whose address failed for their own reason anywhere since is not written to again.
        var ownReasons = OwnReasons.ToList();
        var dead = (await db.FailedDeliveries.AsNoTracking().Where(f => recipientIds.Contains(f.RecipientId) && f.Reason != null && ownReasons.Contains(f.Reason))
            .Select(f => f.RecipientId).Distinct().ToListAsync(cancellationToken)).ToHashSet();
        // The same consent the report shows: an incident's own, or for a period what was said for it or its incidents.
        var contacts = (await AffectedReportService.ContactsAsync(db, request.Scope, scopeFrom, scopeUntil, cancellationToken)).ToDictionary(c => c.Key, c => c.Value.Status);
        var consentAfter = clock.GetUtcNow().UtcDateTime.AddHours(-policy.AutoWithinHours);
        var consentAfterText = AffectedReportService.Sql(consentAfter);
        // The policy resends only where the block is known: the refusing IP was taken out of the provider's
        // pool (by the detector or by hand) since shortly before the failure. A block nobody has seen yet
        // would refuse the resend too; that mail waits until the block is handled.
        var handled = !automatic ? null : (await db.RoutingExclusions.AsNoTracking()
                .Select(e => new { e.SendingIpId, e.ProviderId, e.StartedAtUtc }).ToListAsync(cancellationToken))
            .ToLookup(e => (e.SendingIpId, e.ProviderId), e => AffectedReportService.Sql(e.StartedAtUtc - AffectedReportService.DetectionLead));

        // A resend carries the release itself; a release whose content is not stored is never resent.
        var releaseIds = rows.Select(r => r.ReleaseId).Distinct().ToList();
        var withBody = new HashSet<int>();
        foreach (var chunk in releaseIds.Chunk(5000))
        {
            withBody.UnionWith(await db.Releases.AsNoTracking().Where(r => chunk.Contains(r.Id) && (r.Html != null || r.Text != null))
                .Select(r => r.Id).ToListAsync(cancellationToken));
        }

        int own = 0, delivered = 0, unsub = 0, elsewhere = 0, noConsent = 0, declined = 0, noBody = 0;
        var noBodyReleases = new HashSet<int>();
        var items = new List<(long, RecipientCategory, string)>();
        var releases = new HashSet<int>();
        foreach (var row in rows)
        {
            if (row.Delivered)
            {
                delivered++;
            }
            else if (OwnReasons.Contains(row.Reason) || dead.Contains(row.RecipientId))
            {
                own++;
            }
            else if (unsubscribed.Contains(row.RecipientId))
            {
                unsub++;
            }
            else if (row.ResendState != ResendState.NotResent)
            {
                elsewhere++;
            }
            else if (contacts.GetValueOrDefault(row.CompanyId) == ContactStatus.Declined)
            {
                declined++;
            }
            else if (handled is not null && !handled[(row.SendingIpId, row.ProviderId)].Any(from => string.CompareOrdinal(row.FailedAt, from) >= 0))
            {
                continue;
            }
            else if (!withBody.Contains(row.ReleaseId))
            {
                noBody++;
                noBodyReleases.Add(row.ReleaseId);
            }
            else if (string.CompareOrdinal(row.FailedAt, consentAfterText) < 0 && (automatic || contacts.GetValueOrDefault(row.CompanyId) != ContactStatus.Agreed))
            {
                noConsent++;
            }
            else
            {
                items.Add((row.DeliveryId, row.Category, row.ProviderId));
                releases.Add(row.ReleaseId);
            }
        }
        return new ResendPlan(request.Key,
            RecipientCategories.All.ToDictionary(c => c, c => items.Count(i => i.Item2 == c)),
            own, delivered, unsub, elsewhere, noConsent, declined, noBody, items, releases.Order().ToList(),
            (await db.Releases.AsNoTracking().Where(r => noBodyReleases.Contains(r.Id)).OrderBy(r => r.Id).Select(r => new { r.Id, r.Title }).ToListAsync(cancellationToken))
                .Select(r => (r.Id, r.Title)).ToList());
    }

    /// <summary>
    /// Makes the batch and hands it to the resend job. A company that declined is refused; so is a
    /// company batch with nothing consented. While the same scope has a batch queued or running, that
    /// batch is returned instead of a second one.
    /// </summary>
    public async Task<int> StartAsync(ClaimsPrincipal user, ResendRequest request, CancellationToken cancellationToken)
    {
        var actor = user.Identity?.Name ?? "unknown";
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            var visible = await Account.CompanyAccess.VisibleCompaniesAsync(user, db, cancellationToken);
            if (visible is not null && (request.CompanyId is not { } c || !visible.Contains(c)))
            {
                throw new UnauthorizedAccessException("An account manager resends for one of their own companies.");
            }
            request = request with { Scope = request.Scope with { Companies = visible } };
            if (request.CompanyId is { } companyId)
            {
                var contact = await db.CompanyContacts.AsNoTracking().Include(x => x.Company)
                    .FirstOrDefaultAsync(x => x.CompanyId == companyId && x.IncidentId == request.Scope.IncidentId, cancellationToken);
                if (contact?.Status == ContactStatus.Declined)
                {
                    throw new ResendRefusedException($"{contact.Company?.Name} declined the resend ({contact.UpdatedBy}, {Components.Shared.PortalTime.Format(contact.UpdatedAtUtc)}{(contact.Note is null ? "" : ": " + contact.Note)}).");
                }
            }
        }
        // The dangerous-links gate is here, not only in the dialog: a person must have said to send anyway.
        if (!request.ConfirmedDangerousLinks && services.GetService<LinkRisk.LinkCheckService>() is { } links)
        {
            var plan = await PlanAsync(request, cancellationToken);
            var dangerous = await links.DangerousAsync(plan.ReleaseIds, cancellationToken);
            if (dangerous.Count > 0)
            {
                throw new ResendRefusedException(
                    $"Release {string.Join(", ", dangerous.Select(r => $"#{r.ReleaseId} {r.Title}"))} links to a dangerous site: check the links and confirm \"send anyway\" to resend it.");
            }
        }
        return await CreateAsync(request, actor, automatic: false, cancellationToken)
            ?? throw new ResendRefusedException("Nothing to resend: every failed mail in this choice is excluded (see the counts), or needs the company's consent first.");
    }

    /// <summary>Creates the batch (or returns the one already running for the same scope); null when nothing would be sent.</summary>
    public async Task<int?> CreateAsync(ResendRequest request, string actor, bool automatic, CancellationToken cancellationToken) =>
        (await CreateCoreAsync(request, actor, automatic, cancellationToken)).Batch;

    /// <summary>For the ops verb: the batch (null when nothing would be sent) and the plan it was made from.</summary>
    public async Task<(int? Batch, ResendPlan Plan)> CreateWithPlanAsync(ResendRequest request, string actor, CancellationToken cancellationToken)
    {
        var (batch, plan) = await CreateCoreAsync(request, actor, automatic: false, cancellationToken);
        return (batch, plan ?? await PlanAsync(request, cancellationToken));
    }

    public async Task<bool> IncidentExistsAsync(int incidentId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Incidents.AnyAsync(i => i.Id == incidentId, cancellationToken);
    }

    private async Task<(int? Batch, ResendPlan? Plan)> CreateCoreAsync(ResendRequest request, string actor, bool automatic, CancellationToken cancellationToken)
    {
        if (!DelayNotice.Languages.Contains(request.Language))
        {
            throw new ArgumentException($"language '{request.Language}' is not one of {string.Join(", ", DelayNotice.Languages)}");
        }
        await Starting.WaitAsync(cancellationToken);
        try
        {
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            // The check for a running batch, the plan and the batch in one write transaction (SQLite's
            // BEGIN IMMEDIATE): two processes creating at once make one batch, never two holding the same mail.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var key = request.Key;
            var running = await db.ResendBatches.AsNoTracking()
                .Where(b => b.Scope == key && (b.State == ResendBatchState.Queued || b.State == ResendBatchState.Running || b.State == ResendBatchState.Paused))
                .Select(b => (int?)b.Id).FirstOrDefaultAsync(cancellationToken);
            if (running is not null)
            {
                return (running, null);
            }
            var plan = await PlanAsync(db, request, automatic, cancellationToken);
            if ((automatic || request.HoldDangerousLinks) && plan.Total > 0)
            {
                plan = await HoldDangerousAsync(db, plan, cancellationToken);
            }
            if (plan.Total == 0)
            {
                if (db.ChangeTracker.HasChanges())
                {
                    await db.SaveChangesAsync(cancellationToken); // what was held, for the resend page
                    await transaction.CommitAsync(cancellationToken);
                }
                return (null, plan);
            }
            var policy = await PolicyAsync(cancellationToken);
            var template = await TemplateAsync(request.Language, cancellationToken);
            var batch = new ResendBatch
            {
                Scope = key,
                IncidentId = request.Scope.IncidentId,
                CompanyId = request.CompanyId ?? (request.CompanyIds.Count == 1 ? request.CompanyIds[0] : null),
                State = ResendBatchState.Queued,
                Automatic = automatic,
                StartedBy = actor,
                ConsentReference = string.IsNullOrWhiteSpace(request.ConsentReference) ? null : request.ConsentReference.Trim(),
                CreatedAtUtc = clock.GetUtcNow().UtcDateTime,
                Language = request.Language,
                SubjectPrefix = template.SubjectPrefix,
                NoticeHtml = template.Html,
                NoticeText = template.Text,
                NoticeAfterMinutes = automatic ? policy.NoticeAfterMinutes : 0,
                ExcludedOwnReason = plan.ExcludedOwnReason,
                ExcludedDelivered = plan.ExcludedDelivered,
                ExcludedUnsubscribed = plan.ExcludedUnsubscribed,
                ExcludedElsewhere = plan.ExcludedElsewhere + plan.ExcludedDeclined,
                ExcludedNoConsent = plan.ExcludedNoConsent,
                ExcludedNoBody = plan.ExcludedNoBody,
                Counts = string.Join(";", plan.ToSend.Where(kv => kv.Value > 0).Select(kv => $"{kv.Key}={kv.Value}")),
            };
            db.ResendBatches.Add(batch);
            await db.SaveChangesAsync(cancellationToken);
            db.ResendItems.AddRange(plan.Items.Select(i => new ResendItem
            {
                BatchId = batch.Id,
                DeliveryId = i.DeliveryId,
                Category = i.Category,
                ProviderId = i.ProviderId,
                MessageId = MessageIdFor(batch.Id, i.DeliveryId),
            }));
            await db.SaveChangesAsync(cancellationToken);
            var ids = plan.Items.Select(i => i.DeliveryId).ToList();
            foreach (var chunk in ids.Chunk(5000))
            {
                await db.FailedDeliveries.Where(f => chunk.Contains(f.DeliveryId))
                    .ExecuteUpdateAsync(s => s.SetProperty(f => f.ResendState, ResendState.Queued), cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            Kick();
            return (batch.Id, plan);
        }
        finally
        {
            Starting.Release();
        }
    }

    /// <summary>
    /// The automatic policy never sends a release that links somewhere dangerous: its mail is left out and
    /// held for a person (the resend page lists it, from the audit), who may resend it after checking.
    /// </summary>
    private async Task<ResendPlan> HoldDangerousAsync(PortalDbContext db, ResendPlan plan, CancellationToken cancellationToken)
    {
        if (services.GetService<LinkRisk.LinkCheckService>() is not { } links)
        {
            return plan;
        }
        var dangerous = await links.DangerousAsync(plan.ReleaseIds, cancellationToken);
        if (dangerous.Count == 0)
        {
            return plan;
        }
        var held = dangerous.Select(r => r.ReleaseId).ToHashSet();
        var deliveryIds = plan.Items.Select(i => i.DeliveryId).ToList();
        var releaseOf = new Dictionary<long, int>();
        foreach (var chunk in deliveryIds.Chunk(5000))
        {
            foreach (var d in await db.Deliveries.AsNoTracking().Where(d => chunk.Contains(d.Id)).Select(d => new { d.Id, d.ReleaseId }).ToListAsync(cancellationToken))
            {
                releaseOf[d.Id] = d.ReleaseId;
            }
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var since = now.AddHours(-24);
        var subjects = dangerous.Select(r => $"release {r.ReleaseId}").ToList();
        var alreadySaid = await db.AuditEntries.AsNoTracking().Where(a => a.Action == HeldAction && a.AtUtc >= since && subjects.Contains(a.Subject))
            .Select(a => a.Subject).ToListAsync(cancellationToken);
        foreach (var release in dangerous.Where(r => !alreadySaid.Contains($"release {r.ReleaseId}")))
        {
            db.AuditEntries.Add(new AuditEntry
            {
                AtUtc = now, Actor = "auto-resend", Action = HeldAction, Subject = $"release {release.ReleaseId}",
                Detail = System.Text.Json.JsonSerializer.Serialize(new
                {
                    release = release.ReleaseId, title = release.Title,
                    mails = plan.Items.Count(i => releaseOf.GetValueOrDefault(i.DeliveryId) == release.ReleaseId),
                    dangerous_links = release.Report!.Count(LinkRisk.Risk.Danger),
                }),
            });
        }
        return plan.Without(held, releaseOf);
    }

    public const string HeldAction = "resend.held";

    public sealed record HeldRelease(int ReleaseId, string Title, int Mails, int DangerousLinks, DateTime HeldAtUtc);

    /// <summary>Releases the automatic policy held for a person in the last days, newest first, while not resent since.</summary>
    public async Task<IReadOnlyList<HeldRelease>> HeldAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var since = clock.GetUtcNow().UtcDateTime.AddDays(-7);
        var rows = await db.AuditEntries.AsNoTracking().Where(a => a.Action == HeldAction && a.AtUtc >= since)
            .OrderByDescending(a => a.AtUtc).ToListAsync(cancellationToken);
        var held = new List<HeldRelease>();
        foreach (var row in rows)
        {
            using var detail = System.Text.Json.JsonDocument.Parse(row.Detail ?? "{}");
            var d = detail.RootElement;
            var id = d.GetProperty("release").GetInt32();
            if (held.Any(h => h.ReleaseId == id))
            {
                continue;
            }
            var waiting = await db.FailedDeliveries.AsNoTracking().CountAsync(f => f.ReleaseId == id && f.ResendState == ResendState.NotResent && f.DeliveredAtUtc == null, cancellationToken);
            if (waiting > 0)
            {
                held.Add(new HeldRelease(id, d.GetProperty("title").GetString() ?? "", waiting, d.GetProperty("dangerous_links").GetInt32(), row.AtUtc));
            }
        }
        return held;
    }

    public static string MessageIdFor(int batchId, long deliveryId) => $"resend.b{batchId}.d{deliveryId}@{Delivery.ReleaseMessage.SenderDomain}";

    public Task PauseAsync(ClaimsPrincipal user, int batchId, CancellationToken cancellationToken) =>
        SetStateAsync(user, batchId, [ResendBatchState.Queued, ResendBatchState.Running], ResendBatchState.Paused, cancellationToken);

    public Task ResumeAsync(ClaimsPrincipal user, int batchId, CancellationToken cancellationToken) =>
        SetStateAsync(user, batchId, [ResendBatchState.Paused], ResendBatchState.Queued, cancellationToken);

    /// <summary>Stops the batch for good: what was not sent is skipped and may go in another batch.</summary>
    public async Task CancelAsync(ClaimsPrincipal user, int batchId, CancellationToken cancellationToken)
    {
        await SetStateAsync(user, batchId, [ResendBatchState.Queued, ResendBatchState.Running, ResendBatchState.Paused], ResendBatchState.Cancelled, cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var open = db.ResendItems.Where(i => i.BatchId == batchId && i.State == ResendItemState.Pending);
        var ids = await open.Select(i => i.DeliveryId).ToListAsync(cancellationToken);
        await open.ExecuteUpdateAsync(s => s.SetProperty(i => i.State, ResendItemState.Skipped), cancellationToken);
        foreach (var chunk in ids.Chunk(5000))
        {
            await db.FailedDeliveries.Where(f => chunk.Contains(f.DeliveryId) && f.ResendState == ResendState.Queued)
                .ExecuteUpdateAsync(s => s.SetProperty(f => f.ResendState, ResendState.NotResent), cancellationToken);
        }
    }

    private async Task SetStateAsync(ClaimsPrincipal user, int batchId, ResendBatchState[] from, ResendBatchState to, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var batch = await db.ResendBatches.FirstOrDefaultAsync(b => b.Id == batchId, cancellationToken)
            ?? throw new ArgumentException($"resend batch {batchId} does not exist");
        var visible = await Account.CompanyAccess.VisibleCompaniesAsync(user, db, cancellationToken);
        if (visible is not null && (batch.CompanyId is not { } c || !visible.Contains(c)))
        {
            throw new UnauthorizedAccessException("Not one of your companies' batches.");
        }
        if (!from.Contains(batch.State))
        {
            throw new ResendRefusedException($"batch {batchId} is {batch.State}; it cannot become {to}.");
        }
        batch.State = to;
        batch.Outcome = Infrastructure.Text.LocalText.Of($"Resend.Outcome.{to}", user.Identity?.Name ?? "unknown", Components.Shared.PortalTime.Format(clock.GetUtcNow().UtcDateTime)).Encode();
        if (to == ResendBatchState.Cancelled)
        {
            batch.FinishedAtUtc = clock.GetUtcNow().UtcDateTime;
        }
        await db.SaveChangesAsync(cancellationToken);
        if (to == ResendBatchState.Queued)
        {
            Kick();
        }
    }

    public async Task<IReadOnlyList<BatchProgress>> BatchesAsync(ClaimsPrincipal user, int take, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var visible = await Account.CompanyAccess.VisibleCompaniesAsync(user, db, cancellationToken);
        var batches = db.ResendBatches.AsNoTracking();
        if (visible is not null)
        {
            // An account manager sees their companies' batches, and every batch (the automatic policy's
            // among them) that resends any of their companies' mail.
            var own = visible.ToList();
            batches = batches.Where(b => (b.CompanyId != null && own.Contains(b.CompanyId.Value))
                || db.ResendItems.Any(i => i.BatchId == b.Id && db.Deliveries.Any(d => d.Id == i.DeliveryId && own.Contains(d.Release!.CompanyId))));
        }
        var rows = await batches.OrderByDescending(b => b.Id).Take(take).ToListAsync(cancellationToken);
        var ids = rows.Select(b => b.Id).ToList();
        var companyIds = rows.Where(b => b.CompanyId != null).Select(b => b.CompanyId!.Value).Distinct().ToList();
        var names = await db.Companies.AsNoTracking().Where(c => companyIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, cancellationToken);
        var counts = (await db.ResendItems.AsNoTracking().Where(i => ids.Contains(i.BatchId))
            .GroupBy(i => new { i.BatchId, i.State }).Select(g => new { g.Key.BatchId, g.Key.State, Count = g.Count() })
            .ToListAsync(cancellationToken)).ToLookup(x => x.BatchId);
        return rows.Select(b =>
        {
            int Of(ResendItemState s) => counts[b.Id].Where(x => x.State == s).Sum(x => x.Count);
            return new BatchProgress(b.Id, b.Scope, b.State, b.Automatic, b.StartedBy, b.ConsentReference, b.CreatedAtUtc, b.FinishedAtUtc,
                counts[b.Id].Sum(x => x.Count), Of(ResendItemState.Pending), Of(ResendItemState.Sending), Of(ResendItemState.Sent),
                Of(ResendItemState.Failed), Of(ResendItemState.Skipped),
                b.ExcludedOwnReason + b.ExcludedDelivered + b.ExcludedUnsubscribed + b.ExcludedElsewhere + b.ExcludedNoConsent + b.ExcludedNoBody,
                b.Counts, b.Outcome, b.Language, b.CompanyId is { } c ? names.GetValueOrDefault(c) : null, b.IncidentId, b.Kind);
        }).ToList();
    }

    public sealed record BatchItemRow(long Id, string Recipient, string Company, string Release, RecipientCategory Category, string ProviderId,
        ResendItemState State, int Tries, DateTime? TriedAtUtc, DateTime? SentAtUtc, string? SourceIp, string? Reply);

    /// <summary>
    /// One batch's items, failures first (then those still to go, skipped, sent), each with its last reply;
    /// an account manager sees only their companies' items, and only of a batch that holds some.
    /// </summary>
    public async Task<(BatchProgress Batch, IReadOnlyList<BatchItemRow> Items)?> BatchItemsAsync(ClaimsPrincipal user, int batchId, CancellationToken cancellationToken)
    {
        var batch = (await BatchesAsync(user, int.MaxValue, cancellationToken)).FirstOrDefault(b => b.Id == batchId);
        if (batch is null)
        {
            return null;
        }
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var visible = await Account.CompanyAccess.VisibleCompaniesAsync(user, db, cancellationToken);
        var own = visible?.ToList();
        var rows = await db.ResendItems.AsNoTracking().Where(i => i.BatchId == batchId)
            .Join(db.Deliveries, i => i.DeliveryId, d => d.Id, (i, d) => new { i, d.Recipient!.Email, d.Release!.CompanyId, Company = d.Release.Company!.Name, d.Release.Title })
            .Where(x => own == null || own.Contains(x.CompanyId))
            .Select(x => new BatchItemRow(x.i.Id, x.Email, x.Company, x.Title, x.i.Category, x.i.ProviderId, x.i.State, x.i.Tries, x.i.TriedAtUtc, x.i.SentAtUtc, x.i.SourceIp, x.i.Reply))
            .ToListAsync(cancellationToken);
        static int Order(ResendItemState state) => state switch
        {
            ResendItemState.Failed => 0,
            ResendItemState.Sending => 1,
            ResendItemState.Pending => 2,
            ResendItemState.Skipped => 3,
            _ => 4,
        };
        return (batch, rows.OrderBy(r => Order(r.State)).ThenBy(r => r.Id).ToList());
    }

    /// <summary>Automatic policy: recent IP-block failures whose provider has an eligible IP again go out in one batch.</summary>
    public async Task<int?> AutoResendAsync(CancellationToken cancellationToken)
    {
        var policy = await PolicyAsync(cancellationToken);
        if (!policy.AutoEnabled)
        {
            return null;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var routing = services.GetRequiredService<IpPool.RoutingService>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var since = now.AddHours(-policy.AutoWithinHours);
        var providers = await db.FailedDeliveries.AsNoTracking()
            .Where(f => f.IpBlock && f.FailedAtUtc >= since && f.DeliveredAtUtc == null && f.ResendState == ResendState.NotResent)
            .Select(f => f.ProviderId).Distinct().ToListAsync(cancellationToken);
        var ready = new List<string>();
        foreach (var provider in providers)
        {
            if (await routing.PickAsync(provider, cancellationToken) is not null)
            {
                ready.Add(provider);
            }
        }
        if (ready.Count == 0)
        {
            return null;
        }
        var request = new ResendRequest
        {
            Scope = new AffectedScope { FromUtc = since, UntilUtc = now, Providers = ready },
            Language = "ja",
        };
        return await CreateAsync(request with { ConsentReference = $"policy: IP-block failures under {policy.AutoWithinHours} h" }, "auto-resend", automatic: true, cancellationToken);
    }

    /// <summary>Asks the resend job to run now (it also runs every minute).</summary>
    public void Kick() => services.GetService<ResendKicker>()?.Kick();

    private static void RequireStaff(ClaimsPrincipal user)
    {
        if (!user.IsInRole(Account.PortalRoles.Admin) && !user.IsInRole(Account.PortalRoles.Support))
        {
            throw new UnauthorizedAccessException("Only Admin and Support change the resend settings.");
        }
    }
}
