using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;
using PrPortal.Features.LinkRisk;
using PrPortal.Features.Providers;
using PrPortal.Features.Reports;
using PrPortal.Features.Resend;
using PrPortal.Sandbox;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Reports;

/// <summary>
/// The company answers by itself: the consent mail goes out through the delivery engine to the sandbox,
/// its signed link opens without an account, one answer is recorded as the consent (who, when, from
/// where) and an agreement starts the resend; a reused, altered or expired link changes nothing.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class ConsentLinkTests
{
    private static readonly AffectedScope Everything = new() { FromUtc = DateTime.UtcNow.AddDays(-70), UntilUtc = DateTime.UtcNow.AddHours(1) };

    private static async Task<(int CompanyId, string Email)> CompanyAsync(DemoPortalFactory portal)
    {
        var companyId = (await portal.Service<AffectedReportService>().BuildAsync(Everything, default)).Companies[0].CompanyId;
        await using var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return (companyId, (await db.Companies.SingleAsync(c => c.Id == companyId)).ContactEmail!);
    }

    /// <summary>The link as the company's contact receives it: from the mail the sandbox's server took.</summary>
    private static string LinkFromMail(DemoPortalFactory portal, string email)
    {
        var mail = portal.Service<SandboxWorld>().Simulator(MailboxProviderCatalog.Other).Received.Last(m => m.Recipients.Contains(email));
        using var raw = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(mail.Raw!));
        var message = MimeMessage.Load(raw);
        return new Uri(LinkPattern().Match(message.TextBody ?? "").Value).PathAndQuery;
    }

    private static async Task<HttpResponseMessage> AnswerAsync(HttpClient client, string path, string answer, string note, string? formToken = null)
    {
        var token = formToken ?? AntiforgeryPattern().Match(await client.GetStringAsync(path)).Groups[1].Value;
        return await client.PostAsync(path + "/answer", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["answer"] = answer, ["note"] = note,
        }));
    }

    private static async Task<ConsentRequest> RequestAsync(DemoPortalFactory portal, int id)
    {
        await using var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return await db.ConsentRequests.AsNoTracking().SingleAsync(r => r.Id == id);
    }

    [Fact]
    public async Task The_company_agrees_through_the_link_once_and_the_resend_starts()
    {
        using var portal = new DemoPortalFactory();
        _ = portal.Server;
        var world = portal.Service<SandboxWorld>();
        world.Simulator(MailboxProviderCatalog.Other).KeepMessages = true;
        var (companyId, email) = await CompanyAsync(portal);

        var sent = await portal.Service<ConsentService>().SendAsync(TestUsers.As(PortalRoles.Support), companyId, Everything, email, "ja", "http://portal.example/", default);
        Assert.True(sent.Sent, sent.SendReply);
        Assert.StartsWith("250", sent.SendReply);
        var path = LinkFromMail(portal, email);
        // The secret travels only in the mail: the database keeps its hash.
        Assert.DoesNotContain(path.Split('/').Last(), sent.SecretHash);

        // The company's contact: no account, no cookie of ours.
        using var client = portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var page = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("consent-releases", html);
        Assert.Contains("再送に同意する", html);
        await using (var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            Assert.Equal(ContactStatus.Contacted, (await db.CompanyContacts.SingleAsync(c => c.CompanyId == companyId && c.IncidentId == null)).Status);
        }

        var plan = await portal.Service<ResendService>().PlanAsync(new ResendRequest { Scope = Everything, CompanyId = companyId }, default);
        var dangerous = (await portal.Service<LinkCheckService>().DangerousAsync(plan.ReleaseIds, default)).Count > 0;
        // A second tab keeps the form open: its token is taken now and used after the first answer.
        var secondTab = AntiforgeryPattern().Match(await client.GetStringAsync(path)).Groups[1].Value;
        var answered = await AnswerAsync(client, path, "agree", "広報部 田中: 再送をお願いします");
        Assert.True(answered.StatusCode == HttpStatusCode.Redirect, await answered.Content.ReadAsStringAsync());

        var request = await RequestAsync(portal, sent.Id);
        Assert.Equal(ContactStatus.Agreed, request.Answer);
        Assert.Equal("広報部 田中: 再送をお願いします", request.AnswerNote);
        Assert.NotNull(request.AnsweredFrom);
        await using (var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var contact = await db.CompanyContacts.SingleAsync(c => c.CompanyId == companyId && c.IncidentId == null);
            Assert.Equal((ContactStatus.Agreed, email), (contact.Status, contact.UpdatedBy));
            Assert.Contains("田中", contact.Note);
            Assert.Equal(1, await db.AuditEntries.CountAsync(a => a.Action == "consent.answered"));
            if (dangerous)
            {
                // A release links somewhere dangerous: it waits for support, as with the automatic resend.
                Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == ResendService.HeldAction));
            }
            if (request.BatchId is { } batchId)
            {
                Assert.Contains($"#{sent.Id}", (await db.ResendBatches.SingleAsync(b => b.Id == batchId)).ConsentReference);
            }
            else
            {
                Assert.True(dangerous, "an agreement starts the resend unless every release is held");
            }
        }

        // The resend page lists the batch with its consent.
        var batches = await portal.Service<ResendService>().BatchesAsync(TestUsers.As(PortalRoles.Support), 50, default);
        if (request.BatchId is { } started)
        {
            Assert.Contains(batches, b => b.Id == started && b.ConsentReference!.Contains("田中"));
        }

        // The same link again (a second click, another tab): the answer stands, nothing is added.
        var again = await AnswerAsync(client, path, "decline", "やはり不要", secondTab);
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        var after = await RequestAsync(portal, sent.Id);
        Assert.Equal((ContactStatus.Agreed, request.AnsweredAtUtc, request.BatchId), (after.Answer, after.AnsweredAtUtc, after.BatchId));
        Assert.Contains("consent-answered", await client.GetStringAsync(path));
        await using (var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            Assert.Equal(request.BatchId is null ? 0 : 1, await db.ResendBatches.CountAsync(b => b.ConsentReference != null && b.ConsentReference.Contains($"#{sent.Id}")));
        }
    }

    [Fact]
    public async Task An_altered_or_expired_link_gets_a_clear_page_and_changes_nothing()
    {
        using var portal = new DemoPortalFactory();
        _ = portal.Server;
        portal.Service<SandboxWorld>().Simulator(MailboxProviderCatalog.Other).KeepMessages = true;
        var (companyId, email) = await CompanyAsync(portal);
        var sent = await portal.Service<ConsentService>().SendAsync(TestUsers.As(PortalRoles.Admin), companyId, Everything, email, "en", "http://portal.example/", default);
        var path = LinkFromMail(portal, email);
        using var client = portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        // One character changed: the signature no longer holds.
        var token = path.Split('/').Last();
        var altered = "/consent/" + token[..^3] + (token[^3] == 'A' ? 'B' : 'A') + token[^2..];
        var page = await client.GetStringAsync(altered);
        Assert.Contains("consent-invalid", page);
        Assert.DoesNotContain("consent-form", page);
        Assert.Contains("consent-invalid", await client.GetStringAsync("/consent/not-a-token"));

        // The link's time is up (the form was opened before and is still on screen).
        var formToken = AntiforgeryPattern().Match(await client.GetStringAsync(path)).Groups[1].Value;
        Assert.NotEmpty(formToken);
        await using (var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            await db.ConsentRequests.Where(r => r.Id == sent.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.ExpiresAtUtc, DateTime.UtcNow.AddMinutes(-1)));
        }
        var expired = await client.GetStringAsync(path);
        Assert.Contains("consent-expired", expired);
        Assert.Contains("This link has expired", expired);
        // A form kept open from before the expiry is refused too.
        var posted = await client.PostAsync(path + "/answer", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = formToken, ["answer"] = "agree" }));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        // Without the form's antiforgery token a post is refused outright.
        var forged = await client.PostAsync(altered + "/answer", new FormUrlEncodedContent(new Dictionary<string, string> { ["answer"] = "agree" }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        var request = await RequestAsync(portal, sent.Id);
        Assert.Null(request.AnsweredAtUtc);
        Assert.Null(request.BatchId);
        await using (var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            Assert.Equal(ContactStatus.Contacted, (await db.CompanyContacts.SingleAsync(c => c.CompanyId == companyId && c.IncidentId == null)).Status);
        }
    }

    [Fact]
    public async Task A_request_with_a_bad_address_for_another_managers_company_or_without_failures_is_refused_and_nothing_is_sent()
    {
        using var portal = new DemoPortalFactory();
        _ = portal.Server;
        portal.Service<SandboxWorld>().Simulator(MailboxProviderCatalog.Other).KeepMessages = true;
        var (companyId, email) = await CompanyAsync(portal);
        var consents = portal.Service<ConsentService>();
        var support = TestUsers.As(PortalRoles.Support);

        await Assert.ThrowsAsync<ArgumentException>(() => consents.SendAsync(support, companyId, Everything, "not an address", "ja", "http://portal.example/", default));
        await Assert.ThrowsAsync<ArgumentException>(() => consents.SendAsync(support, 999_999, Everything, email, "ja", "http://portal.example/", default));
        // A period without failures: nothing to ask about.
        var empty = new AffectedScope { FromUtc = DateTime.UtcNow.AddYears(-5), UntilUtc = DateTime.UtcNow.AddYears(-5).AddDays(1) };
        await Assert.ThrowsAsync<ArgumentException>(() => consents.SendAsync(support, companyId, empty, email, "ja", "http://portal.example/", default));
        // An account manager asks only their own companies.
        string otherManager;
        await using (var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var own = await db.Companies.Where(c => c.Id == companyId).Select(c => c.AccountManagerId).SingleAsync();
            otherManager = await db.Users.Where(u => u.Id != own).Select(u => u.Id).FirstAsync();
        }
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
            consents.SendAsync(TestUsers.AccountManager(otherManager, "other@test"), companyId, Everything, email, "ja", "http://portal.example/", default));

        await using var check = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.Equal(0, await check.ConsentRequests.CountAsync());
        Assert.DoesNotContain(portal.Service<SandboxWorld>().Simulator(MailboxProviderCatalog.Other).Received, m => m.Recipients.Contains(email));
    }

    [GeneratedRegex(@"https?://\S+/consent/\S+")]
    private static partial Regex LinkPattern();

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryPattern();
}
