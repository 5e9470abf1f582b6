using System.Globalization;
using System.Security.Claims;
using System.Text;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using PrPortal.Components.Shared;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Reports;

namespace PrPortal.Features.Resend;

/// <summary>The recipients a notice would reach, by category, and how many already had one.</summary>
public sealed record NoticePlan(int IncidentId, IReadOnlyDictionary<RecipientCategory, int> ToSend, int AlreadyNoticed, int Unsubscribed)
{
    public int Total => ToSend.Values.Sum();
}

/// <summary>A notice's words: subject and text with {releases} (the list of what the recipient missed) and {incident_period}.</summary>
public sealed record NoticeText(string Language, string Subject, string Body);

/// <summary>
/// Tells the recipients who missed mail in an incident, as the service did after its own fault: one mail
/// per recipient (whatever the number of releases they missed), in the chosen categories, from a
/// template, through the delivery engine. It is a batch of its own (kind RecipientNotice) run by the
/// resend runner with the same claims and leases, so each recipient gets it once even with two runners;
/// a recipient already noticed for the incident is not written to again.
/// </summary>
public sealed class RecipientNoticeService(
    IDbContextFactory<PortalDbContext> factory,
    AffectedReportService reports,
    ResendService resends,
    TimeProvider clock)
{
    public const string Placeholders = "{releases} {incident_period}";

    /// <summary>The template a notice starts from, in its language (from the resources).</summary>
    public static NoticeText DefaultText(string language) => new(language == "en" ? "en" : "ja",
        Infrastructure.Text.LocalText.Resource("Notice.Template.Subject", language), Infrastructure.Text.LocalText.Resource("Notice.Template.Body", language));

    public async Task<NoticePlan> PlanAsync(int incidentId, IReadOnlyList<RecipientCategory> categories, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var (chosen, already, unsubscribed) = await ChooseAsync(db, incidentId, categories, cancellationToken);
        return new NoticePlan(incidentId, RecipientCategories.All.ToDictionary(c => c, c => chosen.Count(r => r.Category == c)), already, unsubscribed);
    }

    /// <summary>Makes the notice batch (Admin, Support) and hands it to the runner; null when nobody is left to tell.</summary>
    public async Task<int?> CreateAsync(ClaimsPrincipal user, int incidentId, IReadOnlyList<RecipientCategory> categories, NoticeText text, CancellationToken cancellationToken)
    {
        if (!user.IsInRole(Account.PortalRoles.Admin) && !user.IsInRole(Account.PortalRoles.Support))
        {
            throw new UnauthorizedAccessException("Notices to recipients need the Admin or Support role.");
        }
        if (string.IsNullOrWhiteSpace(text.Subject) || string.IsNullOrWhiteSpace(text.Body))
        {
            throw new ArgumentException("A notice needs a subject and a text.");
        }
        if (!text.Body.Contains("{releases}", StringComparison.Ordinal))
        {
            throw new ArgumentException("The text must name {releases}: the recipient is told what they missed.");
        }
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.Incidents.AnyAsync(i => i.Id == incidentId, cancellationToken))
        {
            throw new ArgumentException($"incident {incidentId} does not exist");
        }
        // Who is left to tell and the batch in one write transaction: two people at once make one notice per recipient.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (chosen, _, _) = await ChooseAsync(db, incidentId, categories, cancellationToken);
        if (chosen.Count == 0)
        {
            return null;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var actor = user.Identity?.Name ?? "unknown";
        var batch = new ResendBatch
        {
            Kind = BatchKind.RecipientNotice,
            Scope = $"notice · incident {incidentId} · {now:O}",
            IncidentId = incidentId,
            State = ResendBatchState.Queued,
            StartedBy = actor,
            CreatedAtUtc = now,
            Language = text.Language,
            SubjectPrefix = text.Subject.Trim(),
            NoticeHtml = "",
            NoticeText = text.Body,
            Counts = string.Join(";", RecipientCategories.All.Select(c => (c, n: chosen.Count(r => r.Category == c))).Where(x => x.n > 0).Select(x => $"{x.c}={x.n}")),
        };
        db.ResendBatches.Add(batch);
        await db.SaveChangesAsync(cancellationToken);
        db.ResendItems.AddRange(chosen.Select(r => new ResendItem
        {
            BatchId = batch.Id, DeliveryId = r.DeliveryId, Category = r.Category, ProviderId = r.ProviderId,
            MessageId = $"notice.b{batch.Id}.r{r.RecipientId}@{Delivery.ReleaseMessage.SenderDomain}",
        }));
        db.AuditEntries.Add(new AuditEntry
        {
            AtUtc = now, Actor = actor, Action = "notice.created", Subject = $"incident {incidentId}",
            Detail = $"batch {batch.Id}: {chosen.Count} recipients ({batch.Counts}), {text.Language}",
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        resends.Kick();
        return batch.Id;
    }

    /// <summary>The message one recipient gets: the batch's subject, and its text with what they missed.</summary>
    public static MimeMessage Build(ResendBatch batch, string messageId, string from, string to, IReadOnlyList<(string Title, string Company, DateTime SentAtUtc)> missed, DateTime periodFrom, DateTime periodUntil)
    {
        var culture = CultureInfo.GetCultureInfo(batch.Language == "en" ? "en-US" : "ja-JP");
        var list = new StringBuilder();
        foreach (var (title, company, sent) in missed)
        {
            list.AppendLine(string.Format(culture, "・{0}（{1}、{2} JST）", title, company, PortalTime.Format(sent)));
        }
        var body = batch.NoticeText
            .Replace("{releases}", list.ToString().TrimEnd(), StringComparison.Ordinal)
            .Replace("{incident_period}", $"{PortalTime.Format(periodFrom)} – {PortalTime.Format(periodUntil)} JST", StringComparison.Ordinal);
        var message = new MimeMessage { Subject = batch.SubjectPrefix ?? "", MessageId = messageId };
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Body = new TextPart("plain") { Text = body, ContentTransferEncoding = ContentEncoding.Base64 };
        return message;
    }

    private sealed record Chosen(int RecipientId, long DeliveryId, RecipientCategory Category, string ProviderId);

    private async Task<(List<Chosen> Chosen, int Already, int Unsubscribed)> ChooseAsync(PortalDbContext db, int incidentId, IReadOnlyList<RecipientCategory> categories,
        CancellationToken cancellationToken)
    {
        var (_, _, rows) = await reports.ReadAsync(db, new AffectedScope { IncidentId = incidentId }, cancellationToken, includeDelivered: true);
        var wanted = categories.Count == 0 ? RecipientCategories.All.ToHashSet() : categories.ToHashSet();
        var byRecipient = rows.Where(r => wanted.Contains(r.Category)).GroupBy(r => r.RecipientId)
            .Select(g => g.OrderBy(r => r.DeliveryId).First()).ToList();
        var ids = byRecipient.Select(r => r.RecipientId).ToList();
        var unsubscribed = (await db.Recipients.AsNoTracking().Where(r => ids.Contains(r.Id) && r.UnsubscribedAtUtc != null).Select(r => r.Id).ToListAsync(cancellationToken)).ToHashSet();
        // Once per recipient and incident: an earlier notice that went or is on its way counts.
        var noticed = (await db.ResendItems.AsNoTracking()
            .Where(i => i.Batch!.Kind == BatchKind.RecipientNotice && i.Batch.IncidentId == incidentId && i.Batch.State != ResendBatchState.Cancelled
                && i.State != ResendItemState.Failed && i.State != ResendItemState.Skipped)
            .Join(db.Deliveries, i => i.DeliveryId, d => d.Id, (i, d) => d.RecipientId).ToListAsync(cancellationToken)).ToHashSet();
        var chosen = byRecipient.Where(r => !unsubscribed.Contains(r.RecipientId) && !noticed.Contains(r.RecipientId))
            .Select(r => new Chosen(r.RecipientId, r.DeliveryId, r.Category, r.ProviderId)).ToList();
        return (chosen, byRecipient.Count(r => noticed.Contains(r.RecipientId)), byRecipient.Count(r => unsubscribed.Contains(r.RecipientId)));
    }
}
