using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace PrPortal.Infrastructure.Csv;

/// <summary>
/// Every CSV the portal writes (pages, endpoints, verbs) goes through here: UTF-8 with a BOM (so a
/// spreadsheet in Japanese reads it), CsvHelper's quoting, and OWASP's rule against formula injection —
/// a text cell that starts with =, +, -, @, a tab or a carriage return gets a leading apostrophe, so a
/// company name, a release title or a blocklist's TXT reason is shown as text and never run as a
/// formula. Numbers are written as numbers (a negative count stays -3); times in Asia/Tokyo with their
/// offset (2026-12-02T04:35:14+09:00).
/// </summary>
public sealed class CsvOut : IAsyncDisposable
{
    private static readonly CsvConfiguration Configuration = new(CultureInfo.InvariantCulture)
    {
        // Neutralised here, cell by cell, where numbers can be told from text.
        InjectionOptions = InjectionOptions.None,
    };

    private readonly StreamWriter _writer;
    private readonly CsvWriter _csv;

    public CsvOut(Stream output)
    {
        _writer = new StreamWriter(output, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true), leaveOpen: true);
        _csv = new CsvWriter(_writer, Configuration);
    }

    public async Task RowAsync(IEnumerable<object?> fields)
    {
        foreach (var field in fields)
        {
            _csv.WriteField(Cell(field));
        }
        await _csv.NextRecordAsync();
    }

    /// <summary>One cell's text: numbers and times as they are, any other text neutralised.</summary>
    public static string Cell(object? value) => value switch
    {
        null => "",
        // Times as staff read them everywhere else: Asia/Tokyo, with the offset, to the second.
        DateTime t => Tokyo(new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc))),
        DateTimeOffset t => Tokyo(t),
        double d => d.ToString("0.0000", CultureInfo.InvariantCulture),
        int or long or short or decimal or float => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        _ => Neutralise(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""),
    };

    private static string Tokyo(DateTimeOffset t) =>
        TimeZoneInfo.ConvertTime(t, Components.Shared.PortalTime.Tokyo).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture);

    /// <summary>OWASP's CSV injection rule: text starting with a formula character is prefixed with an apostrophe.</summary>
    public static string Neutralise(string text) =>
        text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + text : text;

    public async ValueTask DisposeAsync()
    {
        await _csv.DisposeAsync();
        await _writer.DisposeAsync();
    }
}
