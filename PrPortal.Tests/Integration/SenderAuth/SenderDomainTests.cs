using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;
using PrPortal.Features.DemoWorld;
using PrPortal.Features.Delivery;
using PrPortal.Features.Providers;
using PrPortal.Features.SenderAuth;
using PrPortal.Sandbox;
using PrPortal.Sandbox.Smtp;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.SenderAuth;

/// <summary>
/// Sender domains end to end in the demo world: the sandbox DNS publishes what each company's DNS
/// administrator did, the check reads it over loopback DNS, and the delivery engine signs or replaces
/// the From of mail that reaches a provider simulator.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SenderDomainTests : IClassFixture<SenderDomainTests.Portal>, IAsyncLifetime
{
    /// <summary>The demo portal with its alerts mailed to an SMTP server of the test's.</summary>
    public sealed class Portal() : PortalFactory(demo: true, settings: new Dictionary<string, string>
    {
        ["Alerts:Email:SmtpHost"] = AlertSmtp.Address.ToString(),
        ["Alerts:Email:SmtpPort"] = AlertSmtp.Port.ToString(),
        ["Alerts:Email:StartTls"] = "false",
    })
    {
        public static readonly IPEndPoint AlertSmtp = new(IPAddress.Parse("127.0.4.31"), LoopbackPorts.Free());
    }

    private readonly Portal _portal;
    private readonly ProviderSimulator _alerts;

    public SenderDomainTests(Portal portal)
    {
        _portal = portal;
        _alerts = new ProviderSimulator(ProviderProfile.For(MailboxProviderCatalog.Other), Portal.AlertSmtp) { KeepMessages = true };
    }

    public async Task InitializeAsync()
    {
        _alerts.Start();
        _ = _portal.Server;
        Sandbox.Simulator(MailboxProviderCatalog.Google).KeepMessages = true;
        Republish();
        await Service.CheckAllAsync(default);
    }

    public async Task DisposeAsync() => await _alerts.DisposeAsync();

    private SandboxWorld Sandbox => _portal.Service<SandboxWorld>();
    private SenderDomainService Service => _portal.Service<SenderDomainService>();
    private static string Domain(DemoWorldCatalog.SenderDnsSetup setup) =>
        DemoWorldCatalog.CompanyDomain(DemoWorldCatalog.SenderDomains.Single(s => s.Setup == setup).CompanyIndex);

    /// <summary>Back to the demo's DNS, whatever a test changed.</summary>
    private void Republish()
    {
        using var db = _portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContext();
        SandboxSenderDns.PublishAsync(Sandbox.Zones, db, _portal.Service<SenderAuthOptions>().SpfInclude, default).GetAwaiter().GetResult();
    }

    private async Task<SenderCheckReport> CheckAsync(DemoWorldCatalog.SenderDnsSetup setup) => await Service.CheckAsync(Domain(setup), default);

    [Fact]
    public async Task Each_demo_domain_gets_the_verdict_its_DNS_deserves()
    {
        var complete = await CheckAsync(DemoWorldCatalog.SenderDnsSetup.Complete);
        Assert.True(complete.CustomFromAllowed, string.Join("; ", complete.Blockers));
        Assert.Equal("pass", complete.Spf.Result);
        Assert.Equal(52, complete.Spf.PerIp.Count); // 48 primaries and 4 spares, each checked
        Assert.All(complete.Spf.PerIp.Values, r => Assert.Equal("pass", r));
        Assert.Equal(DkimStatus.Ok, complete.Dkim!.Status);
        Assert.Equal(DmarcStatus.Aligned, complete.Dmarc.Status);
        Assert.True(complete.Dmarc.DkimAligned);
        Assert.False(complete.Dmarc.SpfAligned); // our Return-Path is the service's bounce domain

        var noSpares = await CheckAsync(DemoWorldCatalog.SenderDnsSetup.SpfWithoutSpares);
        Assert.False(noSpares.CustomFromAllowed);
        Assert.Equal("softfail", noSpares.Spf.Result);
        Assert.Equal(4, noSpares.Spf.PerIp.Count(p => p.Value == "softfail"));
        Assert.All(noSpares.Spf.PerIp.Where(p => p.Key.StartsWith("198.51.100.")), p => Assert.Equal("softfail", p.Value));
        Assert.Contains("include:_spf.prportal.example", noSpares.Spf.Expected);

        var noDkim = await CheckAsync(DemoWorldCatalog.SenderDnsSetup.DkimNotPublished);
        Assert.False(noDkim.CustomFromAllowed);
        Assert.Equal(DkimStatus.Missing, noDkim.Dkim!.Status);
        Assert.Equal(DmarcStatus.NotAligned, noDkim.Dmarc.Status);
        Assert.Equal("quarantine", noDkim.Dmarc.Policy);

        var noDmarc = await CheckAsync(DemoWorldCatalog.SenderDnsSetup.CompleteWithoutDmarc);
        Assert.True(noDmarc.CustomFromAllowed);
        Assert.Equal(DmarcStatus.NotPublished, noDmarc.Dmarc.Status);

        var revoked = await CheckAsync(DemoWorldCatalog.SenderDnsSetup.DkimRevoked);
        Assert.False(revoked.CustomFromAllowed);
        Assert.Equal(DkimStatus.Revoked, revoked.Dkim!.Status);
        Assert.Contains("revoked", revoked.Blockers.Single());
    }

    private async Task<ReceivedMail> SendAsync(string from, string to)
    {
        await using var db = await _portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        // A spare: the demo's incident blocks only primaries, and only at Microsoft.
        var ip = await db.SendingIps.AsNoTracking().FirstAsync(i => i.Role == SendingIpRole.Spare);
        var subject = "送信元認証のテスト " + Guid.NewGuid().ToString("N");
        var results = await _portal.Service<ReleaseSender>().SendAsync(new ReleaseMail(900_000 + Random.Shared.Next(99_999), to, from, "株式会社テスト", subject, ReleaseContent.FromText("本文です。")), ip, default);
        Assert.Equal(AttemptOutcome.Accepted, Assert.Single(results).Outcome);
        return Sandbox.Simulator(MailboxProviderCatalog.Google).Received.Single(m => m.Raw!.Contains(EncodedSubjectMarker(subject)));
    }

    // The subject is RFC 2047-encoded on the wire; its unique ASCII tail identifies the message.
    private static string EncodedSubjectMarker(string subject) => subject[^32..];

    private static byte[] Bytes(ReceivedMail mail) => Encoding.Latin1.GetBytes(mail.Raw!);

    private static MimeMessage Parse(ReceivedMail mail) => MimeMessage.Load(new MemoryStream(Bytes(mail)));

    [Fact]
    public async Task A_verified_domain_keeps_its_From_and_opendkim_verifies_our_signature_and_rejects_a_tampered_copy()
    {
        Assert.True(File.Exists(OpenDkim.Path), "opendkim is not installed: ./test.sh installs it");
        var domain = Domain(DemoWorldCatalog.SenderDnsSetup.Complete);
        var received = await SendAsync($"pr@{domain}", "reporter.sender-auth@gmail.com");
        var message = Parse(received);
        Assert.Equal($"pr@{domain}", message.From.Mailboxes.Single().Address);
        var signature = message.Headers[HeaderId.DkimSignature];
        Assert.Contains($"d={domain}", signature);

        var view = (await Service.ListAsync(TestUsers.As(PortalRoles.Admin), default)).Single(d => d.Domain == domain);
        var good = await OpenDkim.VerifyAsync(Bytes(received), view.DkimRecordName, view.DkimRecord);
        Assert.True(good.Verified, good.Output);

        var tampered = Encoding.Latin1.GetBytes(received.Raw!.Replace("5pys5paH44Gn44GZ44CC", "5pys5paH44Gn44GZ44CB", StringComparison.Ordinal)
            .Replace("本文です。", "本文でした", StringComparison.Ordinal));
        if (tampered.SequenceEqual(Bytes(received)))
        {
            // The body's transfer encoding hid the text: change the subject instead.
            tampered = Encoding.Latin1.GetBytes(received.Raw!.Replace("Subject:", "Subject: [changed]", StringComparison.Ordinal));
        }
        var bad = await OpenDkim.VerifyAsync(tampered, view.DkimRecordName, view.DkimRecord);
        Assert.False(bad.Verified, bad.Output);
        Assert.Contains("fail", bad.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_unverified_domain_goes_out_with_the_service_From_and_the_company_in_Reply_To()
    {
        var domain = Domain(DemoWorldCatalog.SenderDnsSetup.DkimNotPublished);
        var message = Parse(await SendAsync($"pr@{domain}", "reporter.unverified@gmail.com"));
        Assert.Equal("release@mail.prportal.example", message.From.Mailboxes.Single().Address);
        Assert.Equal("株式会社テスト", message.From.Mailboxes.Single().Name);
        Assert.Equal($"pr@{domain}", message.ReplyTo.Mailboxes.Single().Address);
        Assert.Null(message.Headers[HeaderId.DkimSignature]);

        var unregistered = Parse(await SendAsync("pr@never-registered.example.jp", "reporter.unregistered@gmail.com"));
        Assert.Equal("release@mail.prportal.example", unregistered.From.Mailboxes.Single().Address);
        Assert.Equal("pr@never-registered.example.jp", unregistered.ReplyTo.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task A_retried_release_keeps_the_companys_own_From_only_for_its_own_list()
    {
        var domain = Domain(DemoWorldCatalog.SenderDnsSetup.Complete);
        await using var db = await _portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var company = await db.Companies.SingleAsync(c => c.Name == DemoWorldCatalog.CompanyName(0));
        var release = new Release { CompanyId = company.Id, Title = "自社リスト配信のテスト", PublishedAtUtc = DateTime.UtcNow, FromAddress = $"pr@{domain}" };
        var ownList = new Recipient { Email = "own-list.reader@gmail.com", Domain = "gmail.com", Category = RecipientCategory.ImportList, CompanyId = company.Id };
        var media = new Recipient { Email = "media.desk@gmail.com", Domain = "gmail.com", Category = RecipientCategory.MediaUser };
        db.AddRange(release, ownList, media);
        await db.SaveChangesAsync();
        var due = DateTime.UtcNow.AddMinutes(-1);
        db.Deliveries.AddRange(
            new Data.Entities.Delivery { ReleaseId = release.Id, RecipientId = ownList.Id, QueuedAtUtc = due, Status = DeliveryStatus.Deferred, NextAttemptAtUtc = due },
            new Data.Entities.Delivery { ReleaseId = release.Id, RecipientId = media.Id, QueuedAtUtc = due, Status = DeliveryStatus.Deferred, NextAttemptAtUtc = due });
        await db.SaveChangesAsync();

        await _portal.Service<DeferredRetry>().RunDueAsync(default);

        var received = Sandbox.Simulator(MailboxProviderCatalog.Google).Received;
        var toOwnList = Parse(received.Single(m => m.Recipients.Contains(ownList.Email)));
        var toMedia = Parse(received.Single(m => m.Recipients.Contains(media.Email)));
        Assert.Equal($"pr@{domain}", toOwnList.From.Mailboxes.Single().Address);
        Assert.Contains($"d={domain}", toOwnList.Headers[HeaderId.DkimSignature]);
        Assert.Equal("release@mail.prportal.example", toMedia.From.Mailboxes.Single().Address);
        Assert.Null(toMedia.Headers[HeaderId.DkimSignature]);
    }

    [Fact]
    public async Task A_domain_that_breaks_is_suspended_at_the_next_check_its_account_manager_is_mailed_and_its_mail_loses_the_custom_From()
    {
        var setup = DemoWorldCatalog.SenderDnsSetup.CompleteWithoutDmarc;
        var domain = Domain(setup);
        try
        {
            Assert.True((await CheckAsync(setup)).CustomFromAllowed);
            // The company's DNS admin replaces the SPF record and drops our include.
            Sandbox.Zones.SetTxt(domain, "v=spf1 mx -all");
            var (checkedCount, _, suspended) = await Service.CheckAllAsync(default);
            Assert.Equal(5, checkedCount);
            Assert.Equal(1, suspended);

            await using var db = await _portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
            var row = await db.SenderDomains.Include(d => d.Company).ThenInclude(c => c!.AccountManager).SingleAsync(d => d.Domain == domain);
            Assert.False(row.CustomFromAllowed);
            Assert.NotNull(row.SuspendedAtUtc);
            Assert.Contains("SPF fail", row.BlockedReasons);

            var alert = await WaitForAsync(() => _alerts.Received.FirstOrDefault(m => m.Raw!.Contains(domain)));
            Assert.Contains(row.Company!.AccountManager!.Email!, alert.Recipients);

            var message = Parse(await SendAsync($"pr@{domain}", "reporter.suspended@gmail.com"));
            Assert.Equal("release@mail.prportal.example", message.From.Mailboxes.Single().Address);
        }
        finally
        {
            Republish();
            await Service.CheckAllAsync(default);
        }
        Assert.True((await CheckAsync(setup)).CustomFromAllowed);
        Assert.Null((await Service.ListAsync(TestUsers.As(PortalRoles.Admin), default)).Single(d => d.Domain == domain).SuspendedAtUtc);
    }

    [Fact]
    public async Task A_DNS_timeout_is_a_temperror_and_never_lets_the_custom_From_through()
    {
        var setup = DemoWorldCatalog.SenderDnsSetup.Complete;
        var domain = Domain(setup);
        try
        {
            Sandbox.Zones.SetFault(domain, PrPortal.Sandbox.Dns.DnsFault.Timeout);
            var report = await CheckAsync(setup);
            Assert.False(report.CustomFromAllowed);
            Assert.Equal("temperror", report.Spf.Result);
            Assert.Equal(DkimStatus.TempError, report.Dkim!.Status);
        }
        finally
        {
            Sandbox.Zones.ClearFault(domain);
            await CheckAsync(setup);
        }
    }

    [Fact]
    public async Task Only_support_and_admins_register_domains_and_account_managers_see_only_their_companies()
    {
        var manager = TestUsers.As(PortalRoles.AccountManager);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Service.AddAsync(manager, 1, "other.example.jp", default));
        var anyDomain = (await Service.ListAsync(TestUsers.As(PortalRoles.Admin), default)).First();
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Service.RemoveAsync(manager, anyDomain.Id, default));
        Assert.Contains((await Service.ListAsync(TestUsers.As(PortalRoles.Admin), default)), d => d.Id == anyDomain.Id);
        Assert.Empty(await Service.ListAsync(manager, default)); // a manager with no companies

        await using var db = await _portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var company = await db.Companies.Include(c => c.AccountManager).FirstAsync(c => c.Name == DemoWorldCatalog.CompanyName(0));
        var own = TestUsers.AccountManager(company.AccountManagerId!, company.AccountManager!.Email!);
        var visible = await Service.ListAsync(own, default);
        Assert.Contains(visible, d => d.Domain == DemoWorldCatalog.CompanyDomain(0));
        Assert.All(visible, d => Assert.Equal(company.AccountManagerId, db.Companies.Single(c => c.Id == d.CompanyId).AccountManagerId));
        var someoneElses = (await Service.ListAsync(TestUsers.As(PortalRoles.Admin), default)).First(d => visible.All(v => v.Id != d.Id));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Service.CheckAsync(own, someoneElses.Id, default));
    }

    [Fact]
    public async Task Registering_a_domain_makes_a_key_that_is_stored_only_encrypted_and_bad_names_are_refused()
    {
        var support = TestUsers.As(PortalRoles.Support);
        await using var db = await _portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var companyId = await db.Companies.OrderBy(c => c.Id).Skip(6).Select(c => c.Id).FirstAsync();
        var view = await Service.AddAsync(support, companyId, "  News.Example-Corp.JP. ", default);
        try
        {
            Assert.Equal("news.example-corp.jp", view.Domain);
            Assert.StartsWith("v=DKIM1; k=rsa; p=MIIBIjAN", view.DkimRecord); // an RSA 2048 SubjectPublicKeyInfo
            Assert.False(view.CustomFromAllowed); // nothing is published yet
            Assert.Equal(DkimStatus.Missing, view.LastCheck!.Dkim!.Status);
            var stored = await db.SenderDomains.AsNoTracking().SingleAsync(d => d.Domain == view.Domain);
            Assert.DoesNotContain("PRIVATE KEY", stored.DkimPrivateKeyProtected);
            Assert.Contains("PRIVATE KEY", _portal.Service<DkimKeys>().Unprotect(stored.DkimPrivateKeyProtected));

            await Assert.ThrowsAsync<ArgumentException>(() => Service.AddAsync(support, companyId, "news.example-corp.jp", default));
            await Assert.ThrowsAsync<ArgumentException>(() => Service.AddAsync(support, companyId, "localhost", default));
            await Assert.ThrowsAsync<ArgumentException>(() => Service.AddAsync(support, companyId, "bad domain.jp", default));
            await Assert.ThrowsAsync<ArgumentException>(() => Service.AddAsync(support, companyId, "mail.prportal.example", default));
        }
        finally
        {
            await Service.RemoveAsync(support, view.Id, default);
        }
    }

    [Fact]
    public async Task The_sender_check_verb_prints_the_contract_over_the_given_DNS_server()
    {
        var domain = Domain(DemoWorldCatalog.SenderDnsSetup.SpfWithoutSpares);
        var result = await PortalProcess.RunAsync(PortalProcess.Environment(_portal.DatabasePath),
            "sender-check", "--domain", domain, "--dns", Sandbox.DnsEndpoint.ToString());
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = System.Text.Json.JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        Assert.Equal(domain, root.GetProperty("domain").GetString());
        Assert.Equal("softfail", root.GetProperty("spf").GetProperty("result").GetString());
        Assert.Equal("pass", root.GetProperty("spf").GetProperty("per_ip").GetProperty("203.0.113.10").GetString());
        Assert.Equal("softfail", root.GetProperty("spf").GetProperty("per_ip").GetProperty("198.51.100.10").GetString());
        Assert.Equal("ok", root.GetProperty("dkim").GetProperty("status").GetString());
        Assert.Equal("aligned", root.GetProperty("dmarc").GetProperty("status").GetString());
        Assert.False(root.GetProperty("custom_from_allowed").GetBoolean());

        var bad = await PortalProcess.RunAsync(PortalProcess.Environment(_portal.DatabasePath), "sender-check", "--domain", "no_dots");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("not a domain name", bad.Stderr);
        var badServer = await PortalProcess.RunAsync(PortalProcess.Environment(_portal.DatabasePath), "sender-check", "--domain", domain, "--dns", "dns.example:53");
        Assert.Equal(2, badServer.ExitCode);
        Assert.Contains("--dns", badServer.Stderr);
        var missing = await PortalProcess.RunAsync(PortalProcess.Environment(_portal.DatabasePath), "sender-check", "--dns", Sandbox.DnsEndpoint.ToString());
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("Usage: sender-check --domain", missing.Stderr);
    }

    private static async Task<T> WaitForAsync<T>(Func<T?> probe) where T : class
    {
        for (var i = 0; i < 100; i++)
        {
            if (probe() is { } found)
            {
                return found;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("waited 10 s");
    }
}
