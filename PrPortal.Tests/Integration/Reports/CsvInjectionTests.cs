using System.Globalization;
using System.Text;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Reports;

/// <summary>
/// Customer input (company names, release titles) and a third party's DNS (blocklist TXT reasons) reach
/// the CSV exports as text a spreadsheet shows, never as formulas; numbers stay numbers.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CsvInjectionTests : IDisposable
{
    private readonly DemoPortalFactory _portal = new();

    public void Dispose() => _portal.Dispose();

    private const string CompanyFormula = "=HYPERLINK(\"http://evil.example/\",\"詳細\")";
    private const string TitleFormula = "+cmd|' /C calc'!A0";
    private const string ReasonFormula = "@SUM(1+1)*cmd|' /C calc'!A0";

    private static List<string[]> Read(byte[] bytes)
    {
        using var reader = new CsvReader(new StringReader(Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF')), CultureInfo.InvariantCulture);
        var rows = new List<string[]>();
        while (reader.Read())
        {
            rows.Add(Enumerable.Range(0, reader.Parser.Count).Select(i => reader.GetField(i) ?? "").ToArray());
        }
        return rows;
    }

    [Fact]
    public async Task Formulas_in_a_company_name_a_release_title_and_a_txt_reason_come_back_from_every_csv_as_text()
    {
        _ = _portal.Server;
        await using (var db = await _portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var failing = await db.FailedDeliveries.GroupBy(f => f.CompanyId).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstAsync();
            await db.Companies.Where(c => c.Id == failing).ExecuteUpdateAsync(s => s.SetProperty(c => c.Name, CompanyFormula));
            await db.Releases.Where(r => r.CompanyId == failing).ExecuteUpdateAsync(s => s.SetProperty(r => r.Title, TitleFormula));
            var ip = await db.SendingIps.FirstAsync();
            db.BlocklistListings.Add(new BlocklistListing { SendingIpId = ip.Id, Kind = "dnsbl", Codes = "127.0.0.2", Reason = ReasonFormula, FirstSeenUtc = DateTime.UtcNow, LastSeenUtc = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        var client = await PortalClient.SignedInAsync(_portal, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        var query = $"from={DateTime.UtcNow.AddDays(-70):yyyy-MM-dd}&until={DateTime.UtcNow.AddDays(1):yyyy-MM-dd}";

        var companies = Read(await client.GetByteArrayAsync($"/reports/affected.csv?{query}&table=companies"));
        var releases = Read(await client.GetByteArrayAsync($"/reports/affected.csv?{query}&table=releases"));
        var history = Read(await client.GetByteArrayAsync("/blocklists/history.csv"));
        var verb = await PortalProcess.RunAsync(PortalProcess.Environment(_portal.DatabasePath), "report", "affected",
            "--from", DateTime.UtcNow.AddDays(-70).ToString("yyyy-MM-dd"), "--until", DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd"), "--format", "csv", "--table", "releases");
        Assert.True(verb.ExitCode == 0, verb.Stderr);
        var fromVerb = Read(Encoding.UTF8.GetBytes(verb.Stdout));

        var companyRow = companies.Single(r => r[0].Contains("HYPERLINK"));
        Assert.Equal("'" + CompanyFormula, companyRow[0]);
        Assert.All(releases.Where(r => r[0].Contains("cmd|")), r => Assert.Equal(("'" + TitleFormula, "'" + CompanyFormula), (r[0], r[2])));
        Assert.Contains(releases, r => r[0] == "'" + TitleFormula);
        Assert.Contains(fromVerb, r => r[0] == "'" + TitleFormula);
        Assert.Contains(history, r => r[5] == "'" + ReasonFormula);
        // No cell anywhere starts a formula; the counts are plain numbers.
        Assert.All(companies.Concat(releases).Concat(history).Concat(fromVerb).SelectMany(r => r), cell => Assert.False(cell.Length > 0 && "=+-@\t\r".Contains(cell[0]), cell));
        Assert.True(int.TryParse(companyRow[^6], out _), companyRow[^6]);
    }
}
