using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;

namespace PrPortal.Features.Releases;

/// <summary>One release as the distribution system sends it (one JSON object; snake_case names).</summary>
public sealed record ReleaseInput
{
    public int Id { get; init; }
    public int? CompanyId { get; init; }
    public string? CompanyName { get; init; }
    public required string Title { get; init; }
    public DateTime PublishedAtUtc { get; init; }
    public required string From { get; init; }
    public string? Subject { get; init; }
    public string? Html { get; init; }
    public string? Text { get; init; }
    public IReadOnlyList<string> Images { get; init; } = [];
    /// <summary>The distribution system's own version number, when it sends one: an older one never replaces a newer.</summary>
    public int? Version { get; init; }

    public string ContentHash()
    {
        var text = string.Join('\u001f', CompanyId?.ToString() ?? CompanyName ?? "", Title, PublishedAtUtc.ToString("O"), From, Subject ?? "",
            Html ?? "\u0000", Text ?? "\u0000", string.Join('\n', Images));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
    }
}

/// <summary>What an import came to; `release import` prints it, `POST /api/releases` answers it.</summary>
public sealed record ReleaseImportResult(int Lines, int Imported, int Replaced, int Unchanged, int Rejected, IReadOnlyList<ReleaseImportError> Errors)
{
    public static readonly ReleaseImportResult Empty = new(0, 0, 0, 0, 0, []);

    /// <summary>At most this many errors are kept with their text; the rest are counted.</summary>
    public const int MaxErrors = 100;

    public ReleaseImportResult Add(ReleaseImportResult other) => new(Lines + other.Lines, Imported + other.Imported, Replaced + other.Replaced,
        Unchanged + other.Unchanged, Rejected + other.Rejected, [.. Errors, .. other.Errors.Take(Math.Max(0, MaxErrors - Errors.Count))]);
}

public sealed record ReleaseImportError(int Line, string Error);

/// <summary>
/// Takes releases with their content from the distribution system, idempotent by id: the same release
/// again changes nothing, a changed one replaces the stored content (an older version number never
/// does) and the audit names who replaced what. A bad line is rejected with its reason; the rest go in.
/// </summary>
public sealed partial class ReleaseImporter(IDbContextFactory<PortalDbContext> factory, TimeProvider clock, ILogger<ReleaseImporter> logger)
{
    /// <summary>The largest HTML or text part taken (a press release with its markup is far smaller).</summary>
    public const int MaxPartChars = 2 * 1024 * 1024;

    private static readonly JsonDocumentOptions JsonOptions = new() { AllowTrailingCommas = false, MaxDepth = 16 };

    /// <summary>Reads JSON lines (one release per line; blank lines are skipped) and imports them in batches.</summary>
    public async Task<ReleaseImportResult> ImportLinesAsync(TextReader reader, string actor, CancellationToken cancellationToken)
    {
        var total = ReleaseImportResult.Empty;
        var batch = new List<(int Line, ReleaseInput Input)>();
        var errors = new List<ReleaseImportError>();
        var number = 0;
        var rejected = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            try
            {
                using var document = JsonDocument.Parse(line, JsonOptions);
                batch.Add((number, Parse(document.RootElement)));
            }
            catch (Exception e) when (e is JsonException or ReleaseInputException)
            {
                rejected++;
                if (errors.Count < ReleaseImportResult.MaxErrors)
                {
                    errors.Add(new ReleaseImportError(number, e is JsonException ? $"not JSON: {e.Message}" : e.Message));
                }
            }
            if (batch.Count >= 500)
            {
                total = total.Add(await ImportAsync(batch, actor, cancellationToken));
                batch.Clear();
            }
        }
        total = total.Add(await ImportAsync(batch, actor, cancellationToken));
        return total.Add(new ReleaseImportResult(number, 0, 0, 0, rejected, errors)) with { Lines = number };
    }

    /// <summary>A JSON body: one release object or an array of them.</summary>
    public async Task<ReleaseImportResult> ImportJsonAsync(JsonElement body, string actor, CancellationToken cancellationToken)
    {
        var elements = body.ValueKind == JsonValueKind.Array ? body.EnumerateArray().ToList() : [body];
        var batch = new List<(int, ReleaseInput)>();
        var errors = new List<ReleaseImportError>();
        for (var i = 0; i < elements.Count; i++)
        {
            try
            {
                batch.Add((i + 1, Parse(elements[i])));
            }
            catch (ReleaseInputException e)
            {
                errors.Add(new ReleaseImportError(i + 1, e.Message));
            }
        }
        var imported = await ImportAsync(batch, actor, cancellationToken);
        return imported.Add(new ReleaseImportResult(0, 0, 0, 0, errors.Count, errors.Take(ReleaseImportResult.MaxErrors).ToList())) with { Lines = elements.Count };
    }

    private async Task<ReleaseImportResult> ImportAsync(List<(int Line, ReleaseInput Input)> batch, string actor, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return ReleaseImportResult.Empty;
        }
        int imported = 0, replaced = 0, unchanged = 0;
        var errors = new List<ReleaseImportError>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var ids = batch.Select(b => b.Input.Id).Distinct().ToList();
        var stored = await db.Releases.Where(r => ids.Contains(r.Id)).ToDictionaryAsync(r => r.Id, cancellationToken);
        var companyIds = batch.Select(b => b.Input.CompanyId).OfType<int>().Distinct().ToList();
        var companies = await db.Companies.Where(c => companyIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, cancellationToken);
        var companyNames = batch.Where(b => b.Input.CompanyId is null).Select(b => b.Input.CompanyName!).Distinct().ToList();
        var byName = await db.Companies.Where(c => companyNames.Contains(c.Name)).ToDictionaryAsync(c => c.Name, cancellationToken);
        foreach (var (line, input) in batch)
        {
            Company? company;
            if (input.CompanyId is { } companyId)
            {
                if (!companies.TryGetValue(companyId, out company))
                {
                    if (input.CompanyName is null)
                    {
                        errors.Add(new ReleaseImportError(line, $"company {companyId} is not known: send company_name with it to create it"));
                        continue;
                    }
                    db.Companies.Add(companies[companyId] = company = new Company { Id = companyId, Name = input.CompanyName });
                }
            }
            else if (!byName.TryGetValue(input.CompanyName!, out company))
            {
                db.Companies.Add(byName[input.CompanyName!] = company = new Company { Name = input.CompanyName! });
            }
            var hash = input.ContentHash();
            if (!stored.TryGetValue(input.Id, out var release))
            {
                release = new Release { Id = input.Id, Title = input.Title, FromAddress = input.From, Company = company };
                db.Releases.Add(release);
                stored[input.Id] = release;
                Apply(release, input, hash, now, company);
                imported++;
                continue;
            }
            if (release.ContentHash == hash || (input.Version is { } version && version <= release.Version && release.ContentHash is not null))
            {
                unchanged++;
                continue;
            }
            var before = release.Version;
            var firstContent = release.ContentHash is null;
            Apply(release, input, hash, now, company);
            if (firstContent)
            {
                // A release known so far only from logs (or the demo) gets its content: that is its first import.
                imported++;
                continue;
            }
            replaced++;
            db.AuditEntries.Add(new AuditEntry
            {
                AtUtc = now,
                Actor = actor,
                Action = "release.replaced",
                Subject = $"release {release.Id}",
                Detail = JsonSerializer.Serialize(new { version_before = before, version = release.Version, title = release.Title }),
            });
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (replaced > 0)
        {
            logger.LogInformation("Releases from {Actor}: {Imported} new, {Replaced} replaced by a later version, {Unchanged} unchanged", actor, imported, replaced, unchanged);
        }
        return new ReleaseImportResult(0, imported, replaced, unchanged, errors.Count, errors);
    }

    private static void Apply(Release release, ReleaseInput input, string hash, DateTime now, Company company)
    {
        release.Company = company;
        release.Title = input.Title;
        release.PublishedAtUtc = input.PublishedAtUtc;
        release.FromAddress = input.From;
        release.Subject = input.Subject;
        release.Html = input.Html;
        release.Text = input.Text;
        release.ImageUrls = input.Images.Count == 0 ? null : string.Join('\n', input.Images);
        release.Version = input.Version is { } version ? Math.Max(version, release.Version + (release.ContentHash is null ? 0 : 1)) : release.Version + 1;
        release.ContentHash = hash;
        release.ImportedAtUtc = now;
    }

    /// <summary>Reads one release object; every problem is named (field and why).</summary>
    public static ReleaseInput Parse(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ReleaseInputException("a release is a JSON object");
        }
        var id = Int(element, "id") ?? throw new ReleaseInputException("id: missing (a positive whole number)");
        if (id <= 0)
        {
            throw new ReleaseInputException("id: must be a positive whole number");
        }
        int? companyId = null;
        string? companyName = String(element, "company_name", 200);
        if (element.TryGetProperty("company", out var company))
        {
            if (company.ValueKind == JsonValueKind.String && !int.TryParse(company.GetString(), out _))
            {
                companyName ??= String(element, "company", 200);
            }
            else
            {
                companyId = Int(element, "company");
            }
        }
        companyId ??= Int(element, "company_id");
        if (companyId is <= 0)
        {
            throw new ReleaseInputException("company: must be a positive id or a name");
        }
        if (companyId is null && companyName is null)
        {
            throw new ReleaseInputException("company: missing (the company's id, or its name)");
        }
        var title = String(element, "title", 500) ?? throw new ReleaseInputException("title: missing");
        var publishedText = String(element, "published_at", 64);
        var published = publishedText is not null && OffsetAtEnd().IsMatch(publishedText)
            && DateTimeOffset.TryParse(publishedText, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var at)
                ? at.UtcDateTime
                : throw new ReleaseInputException("published_at: missing or not a time with its offset (2026-12-01T10:00:00+09:00)");
        var from = String(element, "from", 320) ?? throw new ReleaseInputException("from: missing");
        if (!MimeKit.MailboxAddress.TryParse(from, out var mailbox) || !mailbox.Address.Contains('@'))
        {
            throw new ReleaseInputException($"from: '{from}' is not a mail address");
        }
        var subject = String(element, "subject", 998);
        if (subject is not null && subject.IndexOfAny(['\r', '\n']) >= 0)
        {
            throw new ReleaseInputException("subject: must be one line");
        }
        var html = String(element, "html", MaxPartChars, trim: false);
        var text = String(element, "text", MaxPartChars, trim: false);
        var images = new List<string>();
        if (element.TryGetProperty("images", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            if (list.ValueKind != JsonValueKind.Array)
            {
                throw new ReleaseInputException("images: must be a list of URLs");
            }
            foreach (var image in list.EnumerateArray())
            {
                var url = image.ValueKind == JsonValueKind.String ? image.GetString() : null;
                if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                {
                    throw new ReleaseInputException($"images: '{url}' is not an http(s) URL");
                }
                images.Add(uri.AbsoluteUri);
            }
        }
        var version = Int(element, "version");
        return new ReleaseInput
        {
            Id = id, CompanyId = companyId, CompanyName = companyName, Title = title, PublishedAtUtc = published, From = mailbox.Address,
            Subject = subject, Html = html, Text = text, Images = images, Version = version is > 0 ? version : null,
        };
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(Z|[+-]\d{2}:?\d{2})$", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex OffsetAtEnd();

    private static int? Int(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
        {
            return number;
        }
        if (value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out number))
        {
            return number;
        }
        throw new ReleaseInputException($"{name}: not a whole number");
    }

    private static string? String(JsonElement element, string name, int max, bool trim = true)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new ReleaseInputException($"{name}: must be a string");
        }
        var text = trim ? value.GetString()!.Trim() : value.GetString()!;
        if (text.Length > max)
        {
            throw new ReleaseInputException($"{name}: longer than {max} characters");
        }
        return text.Length == 0 ? null : text;
    }
}

public sealed class ReleaseInputException(string message) : Exception(message);
