using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PrPortal.Data;
using PrPortal.Tests.Support;
using Xunit.Abstractions;

namespace PrPortal.Tests.Browser;

/// <summary>The demo as it opens on first start: the incident found, cells excluded, the report ready.</summary>
public sealed class StoryBrowserPortal() : BrowserPortal(new Dictionary<string, string> { ["Demo:DetectIncident"] = "true" });

/// <summary>
/// Every page, signed in, in Japanese and then in English (and the dialogs opened from them): no English
/// sentence and no resource key in the Japanese pages, no Japanese in the English ones. What the data says (company names, release titles,
/// people's names, notes) is the data's own language and is taken out first.
/// </summary>
[Trait("Category", "Browser")]
public sealed partial class LanguageBrowserTests(StoryBrowserPortal browser, ITestOutputHelper output) : IClassFixture<StoryBrowserPortal>
{
    [Theory]
    [InlineData("ja-JP")]
    [InlineData("en-US")]
    public async Task Every_page_speaks_one_language(string culture)
    {
        var data = await DataWordsAsync();
        var keys = ResourceKeys();
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/account/login");
        await BrowserPortal.SignInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await page.WaitForURLAsync(url => !url.Contains("/account/login"));
        await page.GotoAsync($"/account/culture?culture={culture}&returnUrl=%2F");
        await BrowserPortal.WaitForCircuitAsync(page);

        var findings = new List<string>();
        async Task ReadAsync(string where, string selector)
        {
            // What the remote servers and the templates say is shown as received (marked .verbatim): not the UI's words.
            var text = await page.EvaluateAsync<string>("s => { const root = document.querySelector(s); root.querySelectorAll('.verbatim').forEach(e => e.style.display = 'none'); const t = root.innerText; root.querySelectorAll('.verbatim').forEach(e => e.style.display = ''); return t; }", selector);
            text = await WithoutDataAsync(text, data);
            foreach (var key in keys.Where(k => text.Contains(k, StringComparison.Ordinal)))
            {
                findings.Add($"{where}: resource key {key}");
            }
            var foreign = culture.StartsWith("ja", StringComparison.Ordinal)
                ? EnglishSentence().Matches(text).Select(m => m.Value).Where(s => !Allowed(s))
                : JapaneseRun().Matches(text).Select(m => m.Value);
            findings.AddRange(foreign.Distinct().Select(s => $"{where}: \"{s}\""));
        }
        foreach (var path in await PagesAsync())
        {
            await page.GotoAsync(path);
            await BrowserPortal.WaitForCircuitAsync(page);
            // Let the page's data load (tables, charts) before reading it.
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await page.WaitForTimeoutAsync(700);
            await ReadAsync(path, "body");
            await BrowserPortal.ScreenshotAsync(page, $"60-language-{culture}-{path.Trim('/').Replace('/', '-')}");
        }
        // The dialogs people open from those pages speak the same language.
        foreach (var (path, button) in await DialogsAsync())
        {
            await page.GotoAsync(path);
            await BrowserPortal.WaitForCircuitAsync(page);
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await page.Locator(button).First.ClickAsync();
            await Assertions.Expect(page.Locator(".mud-dialog").First).ToBeVisibleAsync();
            await page.WaitForTimeoutAsync(700);
            await ReadAsync($"{path} {button}", ".mud-dialog");
            await BrowserPortal.ScreenshotAsync(page, $"62-dialog-{culture}-{path.Trim('/').Replace('/', '-')}-{button.Trim('#', '.').Split(' ')[^1].Trim('.', '#')}");
        }
        foreach (var finding in findings)
        {
            output.WriteLine(finding);
        }
        Assert.Empty(findings);
    }

    [Fact]
    public async Task Every_page_fits_at_1366_by_768_and_on_a_wall_screen()
    {
        var findings = new List<string>();
        foreach (var (width, height) in new[] { (1366, 768), (3840, 2160) })
        {
            var page = await browser.NewPageAsync(width, height);
            await page.GotoAsync("/account/login");
            await BrowserPortal.SignInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
            await page.WaitForURLAsync(url => !url.Contains("/account/login"));
            foreach (var path in await PagesAsync())
            {
                await page.GotoAsync(path);
                await BrowserPortal.WaitForCircuitAsync(page);
                await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
                await page.WaitForTimeoutAsync(500);
                // Nothing wider than the window, and no table whose last columns (often its actions) scroll off.
                var overflow = await page.EvaluateAsync<string[]>("""
                    () => {
                        const found = [];
                        if (document.documentElement.scrollWidth > window.innerWidth + 1) found.push(`page ${document.documentElement.scrollWidth} px`);
                        document.querySelectorAll('.mud-table-container, .pool-scroll').forEach(e => {
                            if (e.scrollWidth > e.clientWidth + 1) found.push(`${e.closest('[id]')?.id ?? e.className}: ${e.scrollWidth} px in ${e.clientWidth} px`);
                        });
                        return found;
                    }
                    """);
                findings.AddRange(overflow.Select(o => $"{width}×{height} {path}: {o}"));
                if (width > 2000)
                {
                    await BrowserPortal.ScreenshotAsync(page, $"61-wall-{path.Trim('/').Replace('/', '-')}");
                }
            }
        }
        foreach (var finding in findings)
        {
            output.WriteLine(finding);
        }
        Assert.Empty(findings);
    }

    private async Task<IReadOnlyList<string>> PagesAsync()
    {
        using var scope = browser.Portal.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var pages = new List<string>
        {
            "/", "/ip-pool", "/blocklists", "/incidents", "/reports", "/reports/daily", "/resend", "/sender-domains", "/link-check",
            "/jobs", "/admin/users", "/audit", "/drill", "/delivery/test", "/account/access-denied", "/not-found",
        };
        if (await db.Incidents.OrderBy(i => i.Id).Select(i => (int?)i.Id).FirstOrDefaultAsync() is { } incident)
        {
            pages.Add($"/incidents/{incident}");
        }
        if (await db.ResendBatches.OrderBy(b => b.Id).Select(b => (int?)b.Id).FirstOrDefaultAsync() is { } batch)
        {
            pages.Add($"/resend/{batch}");
        }
        return pages;
    }

    private async Task<IReadOnlyList<(string Path, string Button)>> DialogsAsync()
    {
        var dialogs = new List<(string, string)>
        {
            ("/reports", "#company-table .contact-button"), ("/reports", "#company-table .resend-button"),
            ("/admin/users", "#add-user"), ("/blocklists", "#add-zone"),
        };
        using var scope = browser.Portal.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        if (await db.Incidents.OrderBy(i => i.Id).Select(i => (int?)i.Id).FirstOrDefaultAsync() is { } incident)
        {
            dialogs.Add(($"/incidents/{incident}", "#incident-notice"));
        }
        return dialogs;
    }

    /// <summary>What the data says in its own language: companies, releases, people, contacts' notes.</summary>
    private async Task<IReadOnlyList<string>> DataWordsAsync()
    {
        using var scope = browser.Portal.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var words = new List<string>();
        words.AddRange(await db.Companies.Select(c => c.Name).ToListAsync());
        words.AddRange(await db.Releases.Select(r => r.Title).ToListAsync());
        words.AddRange(await db.Users.Where(u => u.DisplayName != null).Select(u => u.DisplayName!).ToListAsync());
        return words.Where(w => !string.IsNullOrWhiteSpace(w)).Distinct().OrderByDescending(w => w.Length).ToList();
    }

    private static Task<string> WithoutDataAsync(string text, IReadOnlyList<string> data)
    {
        foreach (var word in data)
        {
            if (text.Contains(word, StringComparison.Ordinal))
            {
                text = text.Replace(word, " ", StringComparison.Ordinal);
            }
        }
        // Addresses, host names, URLs and IPs are data in every language.
        text = Technical().Replace(text, " ");
        return Task.FromResult(text);
    }

    private static HashSet<string> ResourceKeys()
    {
        var file = Path.Combine(RepositoryPaths.Root, "PrPortal", "Resources", "SharedResource.resx");
        return XDocument.Load(file).Root!.Elements("data").Select(d => (string)d.Attribute("name")!).Where(k => k.Contains('.')).ToHashSet();
    }

    // Names of products and standards read the same in both languages.
    private static bool Allowed(string phrase) => AllowedPhrase().IsMatch(phrase);

    [GeneratedRegex(@"\b[A-Za-z][a-z]+(?:[ ,'’-]+[A-Za-z][a-z]+){2,}")]
    private static partial Regex EnglishSentence();

    [GeneratedRegex(@"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff60]+")]
    private static partial Regex JapaneseRun();

    [GeneratedRegex(@"^(?:(?:Microsoft|Outlook|Hotmail|Live|MSN|Gmail|Google|Yahoo|Docomo|Spamhaus|Barracuda|Smart Network Data Services|Mail|Japan|Office|Exchange|Online|Protection|Workspace|Apple|iCloud|Amazon|SES|Zen|Policy|Block|List|SpamCop|Sorbs|Ezweb|Softbank|Nifty|Biglobe|Sakura|Internet|Prportal|PrPortal)[ ,'’-]*)+$")]
    private static partial Regex AllowedPhrase();

    [GeneratedRegex(@"[\w.+-]+@[\w.-]+|https?://\S+|\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b|\b\d{1,3}(?:\.\d{1,3}){3}\b", RegexOptions.IgnoreCase)]
    private static partial Regex Technical();
}
