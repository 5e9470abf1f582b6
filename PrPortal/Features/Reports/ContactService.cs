using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;

namespace PrPortal.Features.Reports;

/// <summary>
/// Records an account manager's contact with a company about failed mail: status, note, who and when.
/// Account managers change their own companies only; Admin and Support any. Checked here, on the server.
/// </summary>
public sealed class ContactService(IDbContextFactory<PortalDbContext> factory, TimeProvider clock)
{
    public const int MaxNote = 2000;

    public async Task<CompanyContact> SetAsync(ClaimsPrincipal user, int companyId, int? incidentId, ContactStatus status, string? note, CancellationToken cancellationToken)
    {
        if (note is { Length: > MaxNote })
        {
            throw new ArgumentException($"the note is {note.Length} characters; at most {MaxNote}");
        }
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var company = await db.Companies.FirstOrDefaultAsync(c => c.Id == companyId, cancellationToken)
            ?? throw new ArgumentException($"company {companyId} does not exist");
        var visible = await Account.CompanyAccess.VisibleCompaniesAsync(user, db, cancellationToken);
        if (visible is not null && !visible.Contains(companyId))
        {
            throw new UnauthorizedAccessException($"{company.Name} is not one of your companies.");
        }
        var contact = await RecordAsync(db, companyId, incidentId, status, note, user.Identity?.Name ?? "unknown", clock.GetUtcNow().UtcDateTime, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return contact;
    }

    /// <summary>
    /// The one place a company's contact for an incident (or period) is written: by a person here, by the
    /// consent link's mail and answer. Not saved: the caller saves it with the rest of its change.
    /// </summary>
    public static async Task<CompanyContact> RecordAsync(PortalDbContext db, int companyId, int? incidentId, ContactStatus status, string? note,
        string by, DateTime atUtc, CancellationToken cancellationToken)
    {
        var contact = await db.CompanyContacts.FirstOrDefaultAsync(c => c.CompanyId == companyId && c.IncidentId == incidentId, cancellationToken);
        if (contact is null)
        {
            db.CompanyContacts.Add(contact = new CompanyContact { CompanyId = companyId, IncidentId = incidentId, UpdatedBy = "" });
        }
        contact.Status = status;
        var text = note?.Trim();
        contact.Note = string.IsNullOrEmpty(text) ? null : text.Length > MaxNote ? text[..MaxNote] : text;
        contact.UpdatedBy = by;
        contact.UpdatedAtUtc = atUtc;
        return contact;
    }
}
