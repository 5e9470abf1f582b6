using PrPortal.Features.Bounces;
using PrPortal.Tests.Support;
using Xunit.Abstractions;

namespace PrPortal.Tests.Integration;

/// <summary>Sisimai's real bounce mails (../shared/corpora/sisimai, BSD-2-Clause) against Sisimai's own reasons.</summary>
[Trait("Category", "Integration")]
public sealed class SisimaiCorpusTests(ITestOutputHelper output)
{
    // The bar the issue sets: at least 95 % of recipients get Sisimai's reason.
    private const double Floor = 0.95;

    [Fact]
    public void Reasons_match_sisimai_and_every_blocked_one_is_an_ip_block()
    {
        var corpus = Path.Combine(RepositoryPaths.Root, "..", "shared", "corpora", "sisimai");
        var expected = File.ReadAllLines(Path.Combine(corpus, "expected.tsv")).Skip(1)
            .Select(l => l.Split('\t')).Select(f => (File: f[0], Index: int.Parse(f[1]), Reason: f[4])).ToList();
        var classifier = new BounceClassifier(ReplyClassifier.BuiltIn());
        var misses = new List<string>();
        var blockedNotIp = new List<string>();
        var results = new Dictionary<string, IReadOnlyList<ClassifiedRecipient>>();

        foreach (var row in expected)
        {
            if (!results.TryGetValue(row.File, out var classified))
            {
                classified = BounceFile.Load(Path.Combine(corpus, "eml", row.File)).SelectMany(classifier.Classify).ToList();
                results[row.File] = classified;
            }
            var got = row.Index <= classified.Count ? classified[row.Index - 1] : null;
            if (got?.Classification.Reason != row.Reason)
            {
                misses.Add($"{row.File}#{row.Index}: expected {row.Reason}, got {got?.Classification.Reason ?? "(no recipient)"} :: {Short(got?.Recipient.Diagnostic)}");
            }
            // A recipient we call blocked is always an IP block; a blocked one we miss counts as a miss above.
            if (got?.Classification is { Reason: "blocked", IpBlock: false })
            {
                blockedNotIp.Add($"{row.File}#{row.Index}");
            }
        }

        var score = 1 - (double)misses.Count / expected.Count;
        var blockedRows = expected.Count(r => r.Reason == "blocked");
        var blockedFound = expected.Count(r => r.Reason == "blocked" && !misses.Any(m => m.StartsWith($"{r.File}#{r.Index}:", StringComparison.Ordinal)));
        output.WriteLine($"Sisimai corpus: {expected.Count - misses.Count}/{expected.Count} = {score:P1}; blocked found {blockedFound}/{blockedRows}");
        foreach (var miss in misses)
        {
            output.WriteLine(miss);
        }
        File.WriteAllLines(Path.Combine(RepositoryPaths.Root, "TestResults", "sisimai-misses.txt"), [$"score {score:P1}; blocked found {blockedFound}/{blockedRows}", .. misses]);
        Assert.Empty(blockedNotIp);
        Assert.True(score >= Floor, $"score {score:P1} is below {Floor:P0}");
    }

    private static string Short(string? text) => text is null ? "" : text.Length > 160 ? text[..160] : text;
}
