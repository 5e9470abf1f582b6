using PrPortal.Features.Bounces;
using PrPortal.Tests.Support;
using Xunit.Abstractions;

namespace PrPortal.Tests.Integration;

/// <summary>
/// Sisimai's real bounce mails (../shared/corpora/sisimai, BSD-2-Clause) against Sisimai's own reasons,
/// split by MTA family (the file name without its number: lhost-postfix, rhost-google, rfc3464, …) into
/// two halves that never share a family, so each half measures the rules on layouts the other did not
/// show. Both scores, the confusion of the misses and every miss with its "why" are printed.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SisimaiCorpusTests(ITestOutputHelper output)
{
    // The whole corpus, and each half on its own.
    private const double Floor = 0.98;
    private const double SplitFloor = 0.98;

    private sealed record Row(string File, int Index, string Reason)
    {
        public string Family => System.Text.RegularExpressions.Regex.Replace(File, @"-\d+\.eml$", "");
    }

    /// <summary>A family's half, from a stable hash of its name (not from what the rules get right).</summary>
    private static int Half(string family)
    {
        var hash = 2166136261u;
        foreach (var c in family)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return (int)(hash % 2);
    }

    [Fact]
    public void Reasons_match_sisimai_on_both_halves_and_every_blocked_one_is_an_ip_block()
    {
        var corpus = Path.Combine(RepositoryPaths.Root, "..", "shared", "corpora", "sisimai");
        var expected = File.ReadAllLines(Path.Combine(corpus, "expected.tsv")).Skip(1)
            .Select(l => l.Split('\t')).Select(f => new Row(f[0], int.Parse(f[1]), f[4])).ToList();
        var classifier = new BounceClassifier(ReplyClassifier.BuiltIn());
        var results = new Dictionary<string, IReadOnlyList<ClassifiedRecipient>>();
        var outcomes = new List<(Row Row, ClassifiedRecipient? Got)>();
        foreach (var row in expected)
        {
            if (!results.TryGetValue(row.File, out var classified))
            {
                classified = BounceFile.Load(Path.Combine(corpus, "eml", row.File)).SelectMany(classifier.Classify).ToList();
                results[row.File] = classified;
            }
            outcomes.Add((row, row.Index <= classified.Count ? classified[row.Index - 1] : null));
        }

        bool Hit((Row Row, ClassifiedRecipient? Got) o) => o.Got?.Classification.Reason == o.Row.Reason;
        double Score(IEnumerable<(Row Row, ClassifiedRecipient? Got)> set) => set.Count(Hit) / (double)Math.Max(1, set.Count());
        var halves = outcomes.GroupBy(o => Half(o.Row.Family)).OrderBy(g => g.Key).ToList();
        var lines = new List<string>
        {
            $"Sisimai corpus: {outcomes.Count(Hit)}/{outcomes.Count} = {Score(outcomes):P1}",
        };
        foreach (var half in halves)
        {
            lines.Add($"half {"AB"[half.Key]} ({half.Select(o => o.Row.Family).Distinct().Count()} families, {half.Count()} recipients): {half.Count(Hit)}/{half.Count()} = {Score(half):P1}");
        }
        var blocked = outcomes.Where(o => o.Row.Reason == "blocked").ToList();
        lines.Add($"blocked found {blocked.Count(Hit)}/{blocked.Count}, all as ip_block: {blocked.Where(Hit).All(o => o.Got!.Classification.IpBlock)}");
        lines.Add("confusion (Sisimai → ours: count):");
        lines.AddRange(outcomes.Where(o => !Hit(o)).GroupBy(o => (o.Row.Reason, Got: o.Got?.Classification.Reason ?? "(none)"))
            .OrderByDescending(g => g.Count()).Select(g => $"  {g.Key.Reason} → {g.Key.Got}: {g.Count()}"));
        lines.Add("misses:");
        lines.AddRange(outcomes.Where(o => !Hit(o)).Select(o =>
            $"  [{"AB"[Half(o.Row.Family)]}] {o.Row.File}#{o.Row.Index}: expected {o.Row.Reason}, got {o.Got?.Classification.Reason ?? "(no recipient)"} ({o.Got?.Classification.Why}) :: {Short(o.Got?.Recipient.Diagnostic)}"));
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
        Directory.CreateDirectory(Path.Combine(RepositoryPaths.Root, "TestResults"));
        File.WriteAllLines(Path.Combine(RepositoryPaths.Root, "TestResults", "sisimai-misses.txt"), lines);

        // Whatever we call blocked is an IP block, and a blocked one we miss counts as a miss.
        Assert.Empty(outcomes.Where(o => o.Got?.Classification is { Reason: "blocked", IpBlock: false }).Select(o => $"{o.Row.File}#{o.Row.Index}"));
        Assert.True(Score(outcomes) >= Floor, lines[0]);
        Assert.All(halves, half => Assert.True(Score(half) >= SplitFloor, string.Join("; ", lines.Take(3))));
    }

    /// <summary>The same notice with CRLF or with LF line ends reads the same: recipients and reasons.</summary>
    [Fact]
    public void Line_ends_do_not_change_what_a_bounce_says() => SaysTheSame(file =>
    {
        var lf = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(file)).Replace("\r\n", "\n");
        return [("LF", Load(lf)), ("CRLF", Load(lf.Replace("\n", "\r\n")))];
    });

    /// <summary>
    /// The same words in another transfer encoding (as a relay or a mail client may re-encode them) give the
    /// same recipients and reasons: the reader reads content, not the encoding.
    /// </summary>
    [Fact]
    public void A_notice_re_encoded_in_base64_or_quoted_printable_says_the_same() => SaysTheSame(file =>
        [("as sent", BounceFile.Load(file)), .. new[] { MimeKit.ContentEncoding.Base64, MimeKit.ContentEncoding.QuotedPrintable }.Select(encoding =>
        {
            var messages = BounceFile.Load(file);
            foreach (var part in messages.SelectMany(m => m.BodyParts).OfType<MimeKit.TextPart>())
            {
                part.ContentTransferEncoding = encoding;
            }
            using var stream = new MemoryStream();
            foreach (var message in messages)
            {
                if (messages.Count > 1)
                {
                    stream.Write("From MAILER-DAEMON  Thu Apr 29 23:34:45 2015\n"u8); // an mbox again
                }
                message.WriteTo(stream);
                stream.Write("\n"u8);
            }
            stream.Position = 0;
            return (encoding.ToString(), BounceFile.Load(stream));
        })]);

    private static IReadOnlyList<MimeKit.MimeMessage> Load(string text)
    {
        using var stream = new MemoryStream(System.Text.Encoding.Latin1.GetBytes(text));
        return BounceFile.Load(stream);
    }

    /// <summary>Every shared notice in each of its forms gives the same recipients and reasons as in the first.</summary>
    private void SaysTheSame(Func<string, IReadOnlyList<(string Form, IReadOnlyList<MimeKit.MimeMessage> Messages)>> forms)
    {
        var classifier = new BounceClassifier(ReplyClassifier.BuiltIn());
        string Read(IEnumerable<MimeKit.MimeMessage> messages) => string.Join(" | ", messages.SelectMany(classifier.Classify)
            .Select(r => $"{r.Recipient.Recipient.ToLowerInvariant()} {r.Classification.Reason}"));
        var differences = new List<string>();
        var files = Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "..", "shared", "corpora", "sisimai", "eml"), "*.eml");
        foreach (var file in files)
        {
            var read = forms(file).Select(f => (f.Form, Text: Read(f.Messages))).ToList();
            differences.AddRange(read.Skip(1).Where(r => r.Text != read[0].Text)
                .Select(r => $"{Path.GetFileName(file)}: {read[0].Form} [{read[0].Text}] but {r.Form} [{r.Text}]"));
        }
        foreach (var line in differences)
        {
            output.WriteLine(line);
        }
        Assert.True(files.Length > 100, "the corpus is there");
        Assert.Empty(differences);
    }

    private static string Short(string? text) => text is null ? "" : text.Length > 160 ? text[..160] : text;
}
