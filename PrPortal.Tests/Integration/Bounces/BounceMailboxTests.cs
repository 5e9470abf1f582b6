using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Bounces;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Bounces;

/// <summary>Bounces fetched from a real IMAP server (dovecot on loopback), tied to deliveries, filed away.</summary>
[Trait("Category", "Integration")]
public sealed class BounceMailboxTests(DovecotFixture dovecot) : IClassFixture<DovecotFixture>, IAsyncLifetime
{
    private readonly DemoPortalFactory _demo = new();
    private WebApplicationFactory<Program> _portal = default!;

    public Task InitializeAsync()
    {
        _portal = dovecot.PortalOn(_demo, ("BounceMailbox:MaxMessageBytes", "200000"), ("BounceMailbox:PollSeconds", "3600"));
        _ = _portal.Server;
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Bounces_are_classified_tied_to_their_delivery_and_moved_and_unreadable_ones_are_kept_aside()
    {
        await using var db = await _portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var delivery = await db.Deliveries.Include(d => d.Recipient).Where(d => d.Status == DeliveryStatus.Delivered).OrderBy(d => d.Id).FirstAsync();

        await AppendAsync(Dsn(delivery.Id, delivery.Recipient!.Email),
            MimeMessage.Load(Path.Combine(RepositoryPaths.Root, "..", "shared", "corpora", "sisimai", "eml", "lhost-postfix-02.eml")),
            Plain("Hello, this is not a bounce at all.", 1),
            Plain(new string('x', 300_000), 2));

        var result = await _portal.Services.GetRequiredService<BounceMailboxService>().FetchAsync(default);

        // Sisimai's two recipients are no mail of ours and name no IP of our pool: counted as unattributed.
        Assert.Equal(new BounceFetchResult(Messages: 4, Recipients: 3, TiedToDeliveries: 1, Unreadable: 2, Duplicates: 0, Unattributed: 2), result);
        db.ChangeTracker.Clear();
        var bounced = await db.Deliveries.Include(d => d.Attempts).SingleAsync(d => d.Id == delivery.Id);
        Assert.Equal(DeliveryStatus.Failed, bounced.Status);
        var attempt = bounced.Attempts.OrderBy(a => a.Id).Last();
        Assert.Equal(("blocked", true, "microsoft"), (attempt.Reason, attempt.IpBlock, attempt.BlockList));
        Assert.Equal("5.7.606", attempt.EnhancedStatus);
        Assert.Equal((0, 2, 2), await CountsAsync());
    }

    private static MimeMessage Dsn(long deliveryId, string recipient)
    {
        var report = new MultipartReport("delivery-status")
        {
            new TextPart("plain") { Text = $"<{recipient}>: host mail.protection.outlook.com said: 550 5.7.606 Access denied, banned sending IP [203.0.113.10]. (AS16012609)" },
        };
        var status = new MessageDeliveryStatus();
        status.StatusGroups.Add(new HeaderList { { "Reporting-MTA", "dns; mta01.mail.prportal.example" } });
        status.StatusGroups.Add(new HeaderList
        {
            { "Final-Recipient", $"rfc822; {recipient}" },
            { "Action", "failed" },
            { "Status", "5.7.606" },
            { "Diagnostic-Code", "smtp; 550 5.7.606 Access denied, banned sending IP [203.0.113.10]. To request removal from this list please visit https://sender.office.com/ (AS16012609)" },
        });
        report.Add(status);
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@mta01.mail.prportal.example"));
        message.To.Add(MailboxAddress.Parse($"bounce+d{deliveryId}@bounce.prportal.example"));
        message.Subject = "Undelivered Mail Returned to Sender";
        message.Body = report;
        return message;
    }

    private static MimeMessage Plain(string text, int n)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("", $"someone{n}@example.jp"));
        message.To.Add(MailboxAddress.Parse(DovecotFixture.User));
        message.Subject = $"note {n}";
        message.Body = new TextPart("plain") { Text = text };
        return message;
    }

    private async Task AppendAsync(params MimeMessage[] messages)
    {
        using var imap = await ConnectAsync();
        foreach (var message in messages)
        {
            await imap.Inbox.AppendAsync(message);
        }
        await imap.DisconnectAsync(true);
    }

    private async Task<(int Inbox, int Processed, int Unreadable)> CountsAsync()
    {
        using var imap = await ConnectAsync();
        var root = imap.GetFolder(imap.PersonalNamespaces[0]);
        async Task<int> Count(IMailFolder folder)
        {
            await folder.OpenAsync(FolderAccess.ReadOnly);
            var count = folder.Count;
            await folder.CloseAsync();
            return count;
        }
        return (await Count(imap.Inbox), await Count(await root.GetSubfolderAsync("Processed")), await Count(await root.GetSubfolderAsync("Unreadable")));
    }

    private async Task<ImapClient> ConnectAsync()
    {
        var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", dovecot.Port, SecureSocketOptions.None);
        await imap.AuthenticateAsync(DovecotFixture.User, DovecotFixture.Password);
        return imap;
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        await _demo.DisposeAsync();
    }
}
