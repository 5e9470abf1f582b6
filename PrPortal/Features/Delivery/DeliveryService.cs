using System.Net.Mail;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using DeliveryRow = PrPortal.Data.Entities.Delivery;

namespace PrPortal.Features.Delivery;

public sealed record TestSend
{
    public string Recipients { get; set; } = "";
    public int? SendingIpId { get; set; }
    public string Subject { get; set; } = "テスト配信 / Test release";
    public string Body { get; set; } = "PrPortal からのテスト配信です。\nThis is a test release from PrPortal.";
}

public sealed record SendingIpChoice(int Id, string Address, string? BindAddress, SendingIpRole Role);

public sealed record TestSendResult(IReadOnlyList<AttemptView> Attempts, IReadOnlyList<string> Refused);

public sealed record AttemptView(string Recipient, string Provider, string SendingIp, string? BindAddress, string? MxHost,
    int? ReplyCode, string? ReplyText, string? Error, AttemptOutcome Outcome, DateTime AttemptedAtUtc,
    string? Reason, bool IpBlock, string? BlockList);

/// <summary>
/// Sends releases through the delivery engine: creates the deliveries, picks the sending IP, sends one
/// message per recipient and records every attempt. Used by the test-send page and the traffic generator.
/// </summary>
public sealed class DeliveryService(
    IDbContextFactory<PortalDbContext> factory,
    ReleaseSender sender,
    AttemptRecorder recorder,
    TimeProvider clock,
    IpPool.RoutingService routing,
    Sandbox.SandboxWorld? sandbox = null)
{
    public const string TestCompanyName = "テスト送信 (PrPortal)";

    /// <summary>Where mail goes: the loopback sandbox (DNS endpoint and simulator network), or null for the real world.</summary>
    public string? SandboxDescription => sandbox is { IsRunning: true }
        ? $"DNS {sandbox.DnsEndpoint} · {sandbox.Simulators.Count} simulators {sandbox.Options.SimulatorNetwork}:{sandbox.Options.SmtpPort}"
        : null;

    public async Task<IReadOnlyList<SendingIpChoice>> SendingIpsAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.SendingIps.AsNoTracking().Where(i => i.Enabled).OrderBy(i => i.Role).ThenBy(i => i.Id)
            .Select(i => new SendingIpChoice(i.Id, i.Address, i.BindAddress, i.Role)).ToListAsync(cancellationToken);
    }

    /// <summary>Addresses one per line (or separated by commas); lines that are not addresses are refused and named.</summary>
    public static (List<string> Valid, List<string> Refused) ParseRecipients(string text)
    {
        var valid = new List<string>();
        var refused = new List<string>();
        foreach (var item in text.Split(['\n', '\r', ',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (MailAddress.TryCreate(item, out var address) && address.Address == item && address.Host.Contains('.'))
            {
                if (!valid.Contains(item, StringComparer.OrdinalIgnoreCase))
                {
                    valid.Add(item.ToLowerInvariant());
                }
            }
            else
            {
                refused.Add(item);
            }
        }
        return (valid, refused);
    }

    public async Task<TestSendResult> SendTestAsync(TestSend request, CancellationToken cancellationToken)
    {
        var (recipients, refused) = ParseRecipients(request.Recipients);
        if (recipients.Count == 0)
        {
            return new TestSendResult([], refused);
        }
        if (recipients.Count > 100)
        {
            throw new ArgumentException("A test send takes at most 100 recipients.");
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var company = await db.Companies.FirstOrDefaultAsync(c => c.Name == TestCompanyName, cancellationToken)
            ?? db.Companies.Add(new Company { Name = TestCompanyName }).Entity;
        var release = new Release
        {
            Company = company,
            Title = request.Subject,
            PublishedAtUtc = clock.GetUtcNow().UtcDateTime,
            FromAddress = $"release@{ReleaseMessage.SenderDomain}",
        };
        db.Releases.Add(release);
        await db.SaveChangesAsync(cancellationToken);

        var existing = await db.Recipients.Where(r => r.CompanyId == company.Id && recipients.Contains(r.Email)).ToListAsync(cancellationToken);
        var rows = recipients.Select(email => existing.FirstOrDefault(r => r.Email == email) ?? db.Recipients.Add(new Recipient
        {
            Email = email,
            Domain = email[(email.IndexOf('@') + 1)..],
            Category = RecipientCategory.ImportList,
            CompanyId = company.Id,
        }).Entity).ToList();
        await db.SaveChangesAsync(cancellationToken);

        var deliveries = rows.Select(r => db.Deliveries.Add(new DeliveryRow
        {
            ReleaseId = release.Id,
            RecipientId = r.Id,
            QueuedAtUtc = release.PublishedAtUtc,
            Status = DeliveryStatus.Pending,
            TrafficClass = TrafficClass.Test,
        }).Entity).ToList();
        await db.SaveChangesAsync(cancellationToken);

        var ips = await db.SendingIps.AsNoTracking().Where(i => i.Enabled).ToListAsync(cancellationToken);
        var results = await Task.WhenAll(deliveries.Zip(rows).Select(async pair =>
        {
            var (delivery, recipient) = pair;
            var ip = request.SendingIpId is { } id
                ? ips.Single(i => i.Id == id)
                : await routing.PickForAsync(recipient.Email, cancellationToken);
            return await sender.SendAsync(new ReleaseMail(delivery.Id, recipient.Email, release.FromAddress, company.Name, request.Subject, ReleaseContent.FromText(request.Body)), ip, cancellationToken);
        }));
        var recorded = await recorder.RecordAsync(results.SelectMany(r => r).ToList(), cancellationToken, TrafficClass.Test);

        return new TestSendResult(recorded.Select(x => new AttemptView(x.Result.Recipient.Address, x.Result.Provider, x.Result.Route.Address,
                x.Result.Route.Bind.ToString() == x.Result.Route.Address ? null : x.Result.Route.Bind.ToString(), x.Result.MxHost,
                x.Result.ReplyCode, x.Result.ReplyText, x.Result.Error, x.Result.Outcome, x.Result.AttemptedAtUtc,
                x.Meaning?.Reason, x.Meaning?.IpBlock ?? false, x.Meaning?.List))
            .OrderBy(a => a.Recipient).ToList(), refused);
    }
}
