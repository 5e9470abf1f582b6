using PrPortal.Hosting;

namespace PrPortal.Features.Releases;

/// <summary>`release import FILE.jsonl...`: releases with their content, one JSON object per line; prints one result object.</summary>
public static class ReleaseVerb
{
    private const string Usage = "Usage: release import FILE.jsonl...";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken)
    {
        if (args is not ["import", .. var files] || files.Length == 0 || files.Any(f => f.StartsWith("--", StringComparison.Ordinal)))
        {
            throw new OpsVerbs.VerbUsageException(Usage);
        }
        foreach (var file in files.Where(f => !File.Exists(f)))
        {
            throw new OpsVerbs.VerbUsageException($"file not found: {file}");
        }
        var importer = services.GetRequiredService<ReleaseImporter>();
        var total = ReleaseImportResult.Empty;
        foreach (var file in files)
        {
            using var reader = new StreamReader(file, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            total = total.Add(await importer.ImportLinesAsync(reader, $"import:{Path.GetFileName(file)}", cancellationToken));
        }
        OpsVerbs.Print(total);
        return total.Rejected > 0 && total.Imported + total.Replaced + total.Unchanged == 0 ? 1 : 0;
    }
}
