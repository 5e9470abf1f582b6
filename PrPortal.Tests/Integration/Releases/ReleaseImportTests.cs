using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Releases;

/// <summary>Releases arrive with their content from the distribution system: `release import` and `POST /api/releases`.</summary>
[Trait("Category", "Integration")]
public sealed class ReleaseImportTests : IDisposable
{
    private readonly PortalFactory _portal = new();

    public ReleaseImportTests() => _ = _portal.Server;

    public void Dispose() => _portal.Dispose();

    private static string Line(int id, string title, string html, int? version = null, string company = "\"company\":7,\"company_name\":\"株式会社サンプル\"") =>
        $$"""{"id":{{id}},{{company}},"title":"{{title}}","published_at":"2026-12-01T10:00:00+09:00","from":"news@sample.co.jp","subject":"【新製品】{{title}}","html":"{{html}}","text":"{{title}}\n本文","images":["https://cdn.sample.co.jp/a.png"]{{(version is { } v ? $",\"version\":{v}" : "")}}}""";

    [Fact]
    public async Task The_verb_imports_once_replaces_a_later_version_with_an_audit_entry_and_counts_a_bad_line_without_losing_the_rest()
    {
        var file = TempFiles.NewPath("releases", ".jsonl");
        try
        {
            await File.WriteAllTextAsync(file, string.Join('\n',
                Line(501, "新製品A", "<p>A</p>"),
                Line(502, "新製品B", "<p>B</p>"),
                """{"id":503,"company":7,"title":"時刻なし","from":"news@sample.co.jp"}""",
                "{not json",
                Line(504, "新製品D", "<p>D</p>")) + "\n");
            var environment = PortalProcess.Environment(_portal.DatabasePath);
            var first = await PortalProcess.RunAsync(environment, "release", "import", file);
            var again = await PortalProcess.RunAsync(environment, "release", "import", file);
            Assert.True(first.ExitCode == 0, first.Stderr);
            var json = JsonDocument.Parse(first.Stdout).RootElement;
            Assert.Equal((5, 3, 0, 0, 2), (json.GetProperty("lines").GetInt32(), json.GetProperty("imported").GetInt32(), json.GetProperty("replaced").GetInt32(),
                json.GetProperty("unchanged").GetInt32(), json.GetProperty("rejected").GetInt32()));
            var errors = json.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("line").GetInt32(), e.GetProperty("error").GetString()!)).ToList();
            Assert.Contains(errors, e => e.Item1 == 3 && e.Item2.StartsWith("published_at"));
            Assert.Contains(errors, e => e.Item1 == 4 && e.Item2.StartsWith("not JSON"));
            // The same file again changes nothing.
            var twice = JsonDocument.Parse(again.Stdout).RootElement;
            Assert.Equal((0, 0, 3), (twice.GetProperty("imported").GetInt32(), twice.GetProperty("replaced").GetInt32(), twice.GetProperty("unchanged").GetInt32()));

            // A later version replaces the stored content, and the audit says who did it.
            await File.WriteAllTextAsync(file, Line(502, "新製品B（訂正）", "<p>B2</p>", version: 2) + "\n" + Line(501, "古い版", "<p>old</p>", version: 1) + "\n");
            var later = JsonDocument.Parse((await PortalProcess.RunAsync(environment, "release", "import", file)).Stdout).RootElement;
            Assert.Equal((1, 1), (later.GetProperty("replaced").GetInt32(), later.GetProperty("unchanged").GetInt32()));

            await using var db = await _portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
            var b = await db.Releases.Include(r => r.Company).SingleAsync(r => r.Id == 502);
            Assert.Equal(("新製品B（訂正）", "<p>B2</p>", "新製品B（訂正）\n本文", "【新製品】新製品B（訂正）", 2), (b.Title, b.Html, b.Text, b.Subject, b.Version));
            Assert.Equal(("株式会社サンプル", 7), (b.Company!.Name, b.CompanyId));
            Assert.Equal("https://cdn.sample.co.jp/a.png", b.ImageUrls);
            Assert.Equal("<p>A</p>", (await db.Releases.SingleAsync(r => r.Id == 501)).Html);
            var audit = await db.AuditEntries.SingleAsync();
            Assert.Equal(("release.replaced", "release 502"), (audit.Action, audit.Subject));
            Assert.StartsWith("import:", audit.Actor);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task The_api_takes_releases_with_a_key_only_and_names_what_it_refused()
    {
        var client = _portal.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        HttpRequestMessage Post(string body, string? key)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/releases") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            if (key is not null)
            {
                request.Headers.Add("X-Api-Key", key);
            }
            return request;
        }
        var body = "[" + Line(601, "API版", "<p>api</p>", company: "\"company\":\"株式会社エーピーアイ\"") + "," + """{"id":602}""" + "]";

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Post(body, null))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Post(body, "wrong-key"))).StatusCode);
        var response = await client.SendAsync(Post(body, PortalFactory.ApiKey));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((1, 1), (json.GetProperty("imported").GetInt32(), json.GetProperty("rejected").GetInt32()));
        Assert.StartsWith("company", json.GetProperty("errors")[0].GetProperty("error").GetString());
        // Posting it again adds nothing.
        var again = JsonDocument.Parse(await (await client.SendAsync(Post(body, PortalFactory.ApiKey))).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((0, 1), (again.GetProperty("imported").GetInt32(), again.GetProperty("unchanged").GetInt32()));
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(Post("{not json", PortalFactory.ApiKey))).StatusCode);

        await using var db = await _portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var release = await db.Releases.Include(r => r.Company).SingleAsync(r => r.Id == 601);
        Assert.Equal(("株式会社エーピーアイ", "<p>api</p>"), (release.Company!.Name, release.Html));
    }
}
