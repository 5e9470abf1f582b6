using System.Globalization;
using System.Net;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Alerts;

namespace PrPortal.Features.Blocklists.Snds;

/// <summary>
/// Section "Snds": Microsoft's Smart Network Data Services automated access. The key is a secret: it comes
/// from configuration outside the repository or the environment (Snds__Key) and is never stored or logged.
/// </summary>
public sealed record SndsOptions
{
    public string BaseUrl { get; init; } = "https://sendersupport.olc.protection.outlook.com/snds/";
    public string? Key { get; init; }
    public double TimeoutSeconds { get; init; } = 60;

    public bool Configured => !string.IsNullOrWhiteSpace(Key);
}

public sealed record SndsImportSummary(DateOnly? Day, int DataRows, int StatusRanges, int BadRows, int Blocked, int Red, int NewListings, int Delistings)
{
    public override string ToString() =>
        $"SNDS {Day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "latest"}: {DataRows} data rows, {StatusRanges} status ranges, {BadRows} bad rows; "
        + $"{Blocked} pool IPs blocked, {Red} RED; {NewListings} new listings, {Delistings} delisted";
}

/// <summary>
/// The daily SNDS import: "Data" (per IP per day) and "IP Status" (blocked ranges). A blocked range or a RED
/// filter result over a pool IP is a listing of kind "microsoft-snds". A failed import (unreachable, HTML,
/// empty, nothing readable) is recorded with its reason and changes no data.
/// </summary>
public sealed class SndsImporter(IDbContextFactory<PortalDbContext> factory, SndsOptions options, IHttpClientFactory http,
    AlertService alerts, IpPool.PoolChanges changes, TimeProvider clock, ILogger<SndsImporter> logger)
{
    public const string Kind = "microsoft-snds";
    public const string HttpClientName = "snds";

    public bool Configured => options.Configured;

    public async Task<SndsImportSummary> ImportAsync(DateOnly? day, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        try
        {
            if (!options.Configured)
            {
                throw new SndsException("SNDS is not configured: set the key in Snds:Key (environment variable Snds__Key).");
            }
            var date = day is { } d ? "&date=" + d.ToString("MMddyy", CultureInfo.InvariantCulture) : "";
            var data = SndsParser.ParseData(await GetAsync("data.aspx", date, cancellationToken));
            if (data.Rows.Count == 0)
            {
                throw new SndsException($"None of the {data.Bad.Count} rows of the SNDS Data file could be read; first: line {data.Bad[0].Line}: {data.Bad[0].Problem}");
            }
            var status = SndsParser.ParseIpStatus(await GetAsync("ipStatus.aspx", "", cancellationToken));
            return await SaveAsync(day, data, status, now, cancellationToken);
        }
        catch (SndsException e)
        {
            await RecordFailureAsync(now, day, e.Message);
            throw;
        }
    }

    private async Task<string> GetAsync(string page, string query, CancellationToken cancellationToken)
    {
        var url = new Uri(new Uri(options.BaseUrl.EndsWith('/') ? options.BaseUrl : options.BaseUrl + "/"), $"{page}?key={Uri.EscapeDataString(options.Key!)}{query}");
        // The key is in the URL: messages name the page, never the URL.
        try
        {
            using var client = http.CreateClient(HttpClientName);
            using var response = await client.GetAsync(url, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new SndsException($"SNDS answered {page} with HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
            }
            return await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new SndsException($"SNDS could not be reached for {page}: {e.HttpRequestError} ({Redact(e.Message)}).", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SndsException($"SNDS did not answer {page} within {options.TimeoutSeconds:0} s.", e);
        }
    }

    private string Redact(string message) => options.Key is { Length: > 0 } key ? message.Replace(key, "***", StringComparison.Ordinal) : message;

    private async Task<SndsImportSummary> SaveAsync(DateOnly? day, SndsParsed<SndsData> data, SndsParsed<SndsStatusRange> status, DateTime now, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var days = data.Rows.Select(r => day ?? (r.ActivityStartUtc is { } s ? SndsParser.DayOf(s) : DateOnly.FromDateTime(now))).ToList();
        var existing = await db.SndsDataRows.Where(r => days.Distinct().Contains(r.Day)).ToDictionaryAsync(r => (r.Day, r.Ip), cancellationToken);
        foreach (var (row, rowDay) in data.Rows.Zip(days))
        {
            if (!existing.TryGetValue((rowDay, row.Ip), out var saved))
            {
                saved = new SndsDataRow { Day = rowDay, Ip = row.Ip, FilterResult = row.FilterResult };
                db.SndsDataRows.Add(saved);
                existing[(rowDay, row.Ip)] = saved;
            }
            saved.ActivityStartUtc = row.ActivityStartUtc;
            saved.ActivityEndUtc = row.ActivityEndUtc;
            saved.RcptCommands = row.RcptCommands;
            saved.DataCommands = row.DataCommands;
            saved.Recipients = row.Recipients;
            saved.FilterResult = row.FilterResult;
            saved.ComplaintRate = row.ComplaintRate;
            saved.TrapHits = row.TrapHits;
            saved.SampleHelo = row.SampleHelo;
            saved.SampleMailFrom = row.SampleMailFrom;
            saved.Comments = row.Comments;
            saved.ImportedAtUtc = now;
        }
        // IP Status is the whole current picture: it replaces the previous one.
        await db.SndsIpStatusRanges.ExecuteDeleteAsync(cancellationToken);
        db.SndsIpStatusRanges.AddRange(status.Rows.Select(r => new SndsIpStatusRange
        {
            FirstIp = r.First.ToString(), LastIp = r.Last.ToString(), Blocked = r.Blocked, Details = r.Details, ImportedAtUtc = now,
        }));

        var latest = data.Rows.Zip(days).GroupBy(x => x.First.Ip).ToDictionary(g => g.Key, g => g.MaxBy(x => x.Second).First);
        var ips = await db.SendingIps.AsNoTracking().Where(i => i.Enabled).ToListAsync(cancellationToken);
        var observations = ips.Select(ip =>
        {
            var address = IPAddress.Parse(ip.Address);
            var range = status.Rows.FirstOrDefault(r => r.Blocked && r.Covers(address));
            var red = latest.TryGetValue(address.ToString(), out var row) && row.FilterResult == "RED";
            var codes = string.Join(",", new[] { range is not null ? "blocked" : null, red ? "RED" : null }.OfType<string>());
            var reason = string.Join("; ", new[] { range?.Details, red ? $"filter result RED, complaint rate {row!.ComplaintRate ?? "?"}, trap hits {row.TrapHits}" : null }.OfType<string>());
            return new ListingObservation(ip.Id, null, range is not null || red, codes.Length > 0 ? codes : null, reason.Length > 0 ? reason : null);
        }).ToList();
        var (opened, closed) = await ListingIntervals.ApplyAsync(db, Kind, observations, now, cancellationToken);

        var bad = data.Bad.Select(b => $"Data line {b.Line}: {b.Problem}").Concat(status.Bad.Select(b => $"IP Status line {b.Line}: {b.Problem}")).ToList();
        db.SndsImports.Add(new SndsImport
        {
            AtUtc = now, Succeeded = true, Day = day ?? days.Max(), DataRows = data.Rows.Count, StatusRanges = status.Rows.Count,
            BadRows = bad.Count, BadRowSamples = bad.Count > 0 ? string.Join("\n", bad.Take(20)) : null,
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        changes.Notify();

        var addresses = ips.ToDictionary(i => i.Id, i => i.Address);
        if (opened.Count > 0)
        {
            await alerts.NotifyAsync(new Alert($"snds:listed:{string.Join(",", opened.Select(l => l.SendingIpId))}", "blocklist.listed",
                $"{opened.Count} sending IP(s) blocked or RED at Microsoft (SNDS)",
                string.Join("\n", opened.Select(l => $"{addresses[l.SendingIpId]}: {l.Codes} {l.Reason}")), null, now, AlwaysSend: true), cancellationToken);
        }
        if (closed.Count > 0)
        {
            await alerts.NotifyAsync(new Alert($"snds:delisted:{string.Join(",", closed.Select(l => l.SendingIpId))}", "blocklist.delisted",
                $"{closed.Count} sending IP(s) no longer blocked at Microsoft (SNDS)",
                string.Join("\n", closed.Select(l => addresses[l.SendingIpId])), null, now, AlwaysSend: true), cancellationToken);
        }
        var summary = new SndsImportSummary(day ?? days.Max(), data.Rows.Count, status.Rows.Count, bad.Count,
            observations.Count(o => o.Codes?.Contains("blocked") == true), observations.Count(o => o.Codes?.Contains("RED") == true), opened.Count, closed.Count);
        logger.LogInformation("{Summary}", summary);
        return summary;
    }

    private async Task RecordFailureAsync(DateTime now, DateOnly? day, string error)
    {
        logger.LogWarning("SNDS import failed: {Error}", error);
        await using var db = await factory.CreateDbContextAsync();
        db.SndsImports.Add(new SndsImport { AtUtc = now, Succeeded = false, Day = day, Error = Redact(error) });
        await db.SaveChangesAsync();
    }
}
