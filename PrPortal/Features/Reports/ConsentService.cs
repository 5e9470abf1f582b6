using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using PrPortal.Components.Shared;
using PrPortal.Data;
using PrPortal.Data.Entities;

namespace PrPortal.Features.Reports;

/// <summary>Section "Consent": how long a consent link stays open.</summary>
public sealed record ConsentOptions : Hosting.IValidatedOptions
{
    public int LinkDays { get; init; } = 14;

    public IEnumerable<(string Key, string Problem)> Validate()
    {
        if (LinkDays is < 1 or > 90)
        {
            yield return (nameof(LinkDays), $"must be between 1 and 90 days, got {LinkDays}");
        }
    }
}

/// <summary>What a consent link shows: its state, the company, and what failed per release and category.</summary>
public sealed record ConsentView(ConsentLinkState State, ConsentRequest? Request, string? Company, IReadOnlyList<ReleaseRow> Releases, int FailedMails);

public enum ConsentLinkState { Invalid, Expired, Answered, Open }

/// <summary>
/// Contact and consent without phone tag: an account manager sends the company a mail (in its language,
/// with its own figures per release and category) holding a signed link that expires; the company's
/// contact opens it without an account and agrees or declines once. The answer is the company's consent
/// for that incident (or period), recorded with who, when and from where, and an agreement starts the
/// resend. The mail goes through the delivery engine like every other mail.
/// </summary>
public sealed class ConsentService(
    IDbContextFactory<PortalDbContext> factory,
    TimeProvider clock,
    IDataProtectionProvider protection,
    AffectedReportService reports,
    Resend.ResendService resends,
    Delivery.DeliveryEngine engine,
    IpPool.RoutingService routing,
    SenderAuth.SenderAuthOptions senderAuth,
    ConsentOptions options,
    ILogger<ConsentService> logger)
{
    public const string PathPrefix = "/consent/";
    private IDataProtector Protector => protection.CreateProtector("PrPortal.Consent.v1");

    /// <summary>Sends the link; returns the request with the engine's answer. Account managers for their own companies only.</summary>
    public async Task<ConsentRequest> SendAsync(ClaimsPrincipal user, int companyId, AffectedScope scope, string email, string language,
        string baseUrl, CancellationToken cancellationToken)
    {
        if (!MailboxAddress.TryParse(email?.Trim(), out var to) || !to.Address.Contains('@'))
        {
            throw new ArgumentException($"'{email}' is not a mail address.");
        }
        language = language == "en" ? "en" : "ja";
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var company = await db.Companies.AsNoTracking().FirstOrDefaultAsync(c => c.Id == companyId, cancellationToken)
            ?? throw new ArgumentException($"company {companyId} does not exist");
        var visible = await Account.CompanyAccess.VisibleCompaniesAsync(user, db, cancellationToken);
        if (visible is not null && !visible.Contains(companyId))
        {
            throw new UnauthorizedAccessException($"{company.Name} is not one of your companies.");
        }
        var report = await reports.BuildAsync(scope with { Companies = new HashSet<int> { companyId } }, cancellationToken);
        if (report.Totals.FailedMails == 0)
        {
            throw new ArgumentException($"{company.Name} has no failed mail in this report.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var request = new ConsentRequest
        {
            CompanyId = companyId, IncidentId = scope.IncidentId,
            FromUtc = scope.IncidentId is null ? report.FromUtc : null, UntilUtc = scope.IncidentId is null ? report.UntilUtc : null,
            Email = to.Address, Language = language, SecretHash = Hash(secret), CreatedBy = user.Identity?.Name ?? "unknown",
            CreatedAtUtc = now, ExpiresAtUtc = now.AddDays(options.LinkDays),
        };
        db.ConsentRequests.Add(request);
        await db.SaveChangesAsync(cancellationToken);

        var link = $"{baseUrl.TrimEnd('/')}{PathPrefix}{Token(request.Id, secret)}";
        var message = Compose(request, company.Name, report, link);
        var reply = await SendMailAsync(message, request.Email, cancellationToken);
        request.Sent = reply.Accepted;
        request.SendReply = Limit(reply.Text, 1000);
        // The company counts as contacted (the views show it) unless it has already answered.
        var contact = await db.CompanyContacts.AsNoTracking().FirstOrDefaultAsync(c => c.CompanyId == companyId && c.IncidentId == scope.IncidentId, cancellationToken);
        if (reply.Accepted && contact?.Status is not (ContactStatus.Agreed or ContactStatus.Declined))
        {
            await ContactService.RecordAsync(db, companyId, scope.IncidentId, ContactStatus.Contacted,
                string.Format(CultureInfo.InvariantCulture, Text("Consent.ContactNote", language), request.Email, PortalTime.Format(now)), request.CreatedBy, now, cancellationToken);
        }
        db.AuditEntries.Add(new AuditEntry
        {
            AtUtc = now, Actor = request.CreatedBy, Action = "consent.sent", Subject = $"company {companyId}",
            Detail = $"request {request.Id} to {request.Email} ({language}), {(scope.IncidentId is { } i ? $"incident {i}" : "period")}, expires {request.ExpiresAtUtc:u}: {request.SendReply}",
        });
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Consent request {Id} for company {Company} to {Email}: {Reply}", request.Id, companyId, request.Email, request.SendReply);
        return request;
    }

    /// <summary>What the link shows; nothing changes.</summary>
    public async Task<ConsentView> OpenAsync(string token, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var request = await FindAsync(db, token, cancellationToken);
        if (request is null)
        {
            return new ConsentView(ConsentLinkState.Invalid, null, null, [], 0);
        }
        var state = request.AnsweredAtUtc is not null ? ConsentLinkState.Answered
            : request.ExpiresAtUtc <= clock.GetUtcNow().UtcDateTime ? ConsentLinkState.Expired
            : ConsentLinkState.Open;
        if (state != ConsentLinkState.Open)
        {
            return new ConsentView(state, request, request.Company?.Name, [], 0);
        }
        var report = await reports.BuildAsync(ScopeOf(request), cancellationToken);
        return new ConsentView(state, request, request.Company?.Name, report.Releases, report.Totals.FailedMails);
    }

    /// <summary>
    /// Records the answer once: a second answer, an expired or a bad link changes nothing. An agreement
    /// starts the resend for the company's failures in the request's scope (a release that links
    /// somewhere dangerous waits for support, as with the automatic resend).
    /// </summary>
    public async Task<ConsentView> AnswerAsync(string token, bool agree, string? note, string? from, CancellationToken cancellationToken)
    {
        note = string.IsNullOrWhiteSpace(note) ? null : Limit(note.Trim(), ContactService.MaxNote);
        var now = clock.GetUtcNow().UtcDateTime;
        int requestId;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            var request = await FindAsync(db, token, cancellationToken);
            if (request is null)
            {
                return new ConsentView(ConsentLinkState.Invalid, null, null, [], 0);
            }
            if (request.AnsweredAtUtc is null && request.ExpiresAtUtc <= now)
            {
                return new ConsentView(ConsentLinkState.Expired, request, request.Company?.Name, [], 0);
            }
            var answer = agree ? ContactStatus.Agreed : ContactStatus.Declined;
            // One answer: the row changes only while it has none (two tabs, a double click, a replay).
            var claimed = await db.ConsentRequests.Where(r => r.Id == request.Id && r.AnsweredAtUtc == null && r.ExpiresAtUtc > now)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.AnsweredAtUtc, now).SetProperty(r => r.Answer, answer)
                    .SetProperty(r => r.AnswerNote, note).SetProperty(r => r.AnsweredFrom, Limit(from ?? "", 64)), cancellationToken);
            if (claimed == 0)
            {
                return new ConsentView(ConsentLinkState.Answered, await db.ConsentRequests.AsNoTracking().Include(r => r.Company).FirstAsync(r => r.Id == request.Id, cancellationToken), request.Company?.Name, [], 0);
            }
            await ContactService.RecordAsync(db, request.CompanyId, request.IncidentId, answer,
                string.Format(CultureInfo.InvariantCulture, Text(agree ? "Consent.AgreedNote" : "Consent.DeclinedNote", request.Language),
                    request.Email, PortalTime.Format(now), from ?? "?") + (note is null ? "" : " — " + note), request.Email, now, cancellationToken);
            db.AuditEntries.Add(new AuditEntry
            {
                AtUtc = now, Actor = request.Email, Action = "consent.answered", Subject = $"company {request.CompanyId}",
                Detail = $"request {request.Id}: {answer} from {from}{(note is null ? "" : ": " + note)}",
            });
            await db.SaveChangesAsync(cancellationToken);
            requestId = request.Id;
        }

        if (agree)
        {
            await StartResendAsync(requestId, cancellationToken);
        }
        await using var read = await factory.CreateDbContextAsync(cancellationToken);
        var answered = await read.ConsentRequests.AsNoTracking().Include(r => r.Company).FirstAsync(r => r.Id == requestId, cancellationToken);
        return new ConsentView(ConsentLinkState.Answered, answered, answered.Company?.Name, [], 0);
    }

    private async Task StartResendAsync(int requestId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var request = await db.ConsentRequests.FirstAsync(r => r.Id == requestId, cancellationToken);
        var resend = new Resend.ResendRequest
        {
            Scope = ScopeOf(request), CompanyId = request.CompanyId, Language = request.Language,
            ConsentReference = Limit($"{Text("Consent.Reference", request.Language)} #{request.Id} ({request.Email}){(request.AnswerNote is { } n ? ": " + n : "")}", 500),
            // Nobody of ours looked at the links: a release that links somewhere dangerous waits for support.
            HoldDangerousLinks = true,
        };
        request.BatchId = await resends.CreateAsync(resend, $"{request.Email} (consent #{request.Id})", automatic: false, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
    }

    private static AffectedScope ScopeOf(ConsentRequest request) => new()
    {
        IncidentId = request.IncidentId, FromUtc = request.FromUtc, UntilUtc = request.UntilUtc,
        Companies = new HashSet<int> { request.CompanyId },
    };

    private async Task<ConsentRequest?> FindAsync(PortalDbContext db, string token, CancellationToken cancellationToken)
    {
        if (Read(token) is not var (id, secret))
        {
            return null;
        }
        var request = await db.ConsentRequests.AsNoTracking().Include(r => r.Company).FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        return request is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(request.SecretHash), Encoding.ASCII.GetBytes(Hash(secret)))
            ? request : null;
    }

    private string Token(int id, string secret) => Protector.Protect($"{id}.{secret}");

    private (int Id, string Secret)? Read(string? token)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 1000)
        {
            return null;
        }
        try
        {
            var plain = Protector.Unprotect(token);
            var dot = plain.IndexOf('.');
            return dot > 0 && int.TryParse(plain[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? (id, plain[(dot + 1)..]) : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private MimeMessage Compose(ConsentRequest request, string company, AffectedReport report, string link)
    {
        var lang = request.Language;
        var culture = CultureInfo.GetCultureInfo(lang == "en" ? "en-US" : "ja-JP");
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(senderAuth.ServiceFrom));
        message.To.Add(MailboxAddress.Parse(request.Email));
        message.Subject = string.Format(culture, Text("Consent.Mail.Subject", lang), company);
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(senderAuth.ServiceFrom.Split('@')[1]);
        var lines = new StringBuilder();
        lines.AppendLine(string.Format(culture, Text("Consent.Mail.Greeting", lang), company)).AppendLine();
        lines.AppendLine(Text("Consent.Mail.Intro", lang)).AppendLine();
        foreach (var release in report.Releases)
        {
            var counts = string.Join(", ", RecipientCategories.All.Where(c => release.FailedByCategory.GetValueOrDefault(c) > 0)
                .Select(c => $"{Text(RecipientCategories.Key(c), lang)} {release.FailedByCategory[c]}"));
            lines.AppendLine($"・{release.Title} ({PortalTime.Format(release.PublishedAtUtc)} JST): {counts}");
        }
        lines.AppendLine().AppendLine(string.Format(culture, Text("Consent.Mail.Total", lang), report.Totals.FailedMails)).AppendLine();
        lines.AppendLine(Text("Consent.Mail.Ask", lang)).AppendLine(link).AppendLine();
        lines.AppendLine(string.Format(culture, Text("Consent.Mail.Expires", lang), PortalTime.Format(request.ExpiresAtUtc)));
        lines.AppendLine().AppendLine(Text("Consent.Mail.Closing", lang));
        message.Body = new TextPart("plain") { Text = lines.ToString(), ContentTransferEncoding = ContentEncoding.Base64 };
        return message;
    }

    private async Task<(bool Accepted, string Text)> SendMailAsync(MimeMessage message, string email, CancellationToken cancellationToken)
    {
        Data.Entities.SendingIp ip;
        try
        {
            ip = await routing.PickForAsync(email, cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            return (false, e.Message);
        }
        var result = (await engine.SendAsync(new Delivery.SendRequest(message, senderAuth.ServiceFrom, [new Delivery.OutgoingRecipient(email)],
            Delivery.SendingRoute.From(ip)), cancellationToken)).Single();
        return (result.Outcome == AttemptOutcome.Accepted, $"{result.ReplyCode} {result.ReplyText}".Trim());
    }

    private static string Text(string key, string language) => Infrastructure.Text.LocalText.Resource(key, language);

    private static string Hash(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Limit(string text, int max) => text.Length <= max ? text : text[..max];
}
