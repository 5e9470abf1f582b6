using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using Microsoft.Extensions.DependencyInjection;
using PrPortal.Features.Delivery;
using DeliveryRow = PrPortal.Data.Entities.Delivery;

namespace PrPortal.Tests.Support;

/// <summary>
/// A demo company's release to named recipients, sent from one IP through the real engine and recorded
/// as customer mail (a test send is not: it never counts as damage).
/// </summary>
public static class CustomerMail
{
    public static Task<IReadOnlyList<AttemptResult>> SendAsync(IServiceProvider services, string ipAddress, params string[] recipients) =>
        SendAsync(services, services.GetRequiredService<ReleaseSender>(), ipAddress, recipients);

    /// <summary>The same through another engine (one in relay mode).</summary>
    public static async Task<IReadOnlyList<AttemptResult>> SendAsync(IServiceProvider services, ReleaseSender sender, string ipAddress, params string[] recipients)
    {
        var factory = services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var company = await db.Companies.OrderBy(c => c.Id).FirstAsync();
        var release = db.Releases.Add(new Release
        {
            CompanyId = company.Id,
            Title = $"{company.Name}、新製品のお知らせ",
            PublishedAtUtc = DateTime.UtcNow,
            FromAddress = $"release@{ReleaseMessage.SenderDomain}",
            Html = "<html><body><p>本文</p></body></html>",
            Text = "本文",
        }).Entity;
        var rows = recipients.Select(email => db.Recipients.Add(new Recipient
        {
            Email = email,
            Domain = email[(email.IndexOf('@') + 1)..],
            Category = RecipientCategory.MediaUser,
            CompanyId = company.Id,
        }).Entity).ToList();
        await db.SaveChangesAsync();
        var deliveries = rows.Select(r => db.Deliveries.Add(new DeliveryRow { ReleaseId = release.Id, RecipientId = r.Id, QueuedAtUtc = release.PublishedAtUtc }).Entity).ToList();
        await db.SaveChangesAsync();
        var ip = await db.SendingIps.AsNoTracking().SingleAsync(i => i.Address == ipAddress);
        var results = new List<AttemptResult>();
        foreach (var (delivery, recipient) in deliveries.Zip(rows))
        {
            results.AddRange(await sender.SendAsync(new ReleaseMail(delivery.Id, recipient.Email, release.FromAddress, company.Name, release.Title, new ReleaseContent(release.Html, release.Text)), ip, default));
        }
        await services.GetRequiredService<AttemptRecorder>().RecordAsync(results, default);
        return results;
    }
}
