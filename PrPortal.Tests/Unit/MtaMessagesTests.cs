using PrPortal.Features.Bounces;
using Xunit.Abstractions;

namespace PrPortal.Tests.Unit;

/// <summary>
/// Replies as the major MTAs and providers word them (Fixtures/replies/mta-messages.tsv), each with the
/// reason it means: a check written apart from the bounce corpus, so rules that only learnt the corpus's
/// sentences fail here.
/// </summary>
[Trait("Category", "Unit")]
public sealed class MtaMessagesTests(ITestOutputHelper output)
{
    [Fact]
    public void Each_mta_message_is_read_as_the_reason_it_states()
    {
        var classifier = ReplyClassifier.BuiltIn();
        var rows = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "replies", "mta-messages.tsv"))
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split('\t', 2))
            .ToList();

        var misses = rows
            .Select(row => (Expected: row[0], Reply: row[1], Got: classifier.ClassifyReply(row[1])))
            // …and every block is one of the sending IP: another of our IPs would likely get through.
            // …and a recipient's, content's or sender domain's cause never is.
            .Where(r => r.Got.Reason != r.Expected || (r.Expected == "blocked" && !r.Got.IpBlock)
                || (r.Expected is not ("blocked" or "badreputation" or "requireptr" or "toomanyconn" or "speeding") && r.Got.IpBlock))
            .ToList();
        foreach (var miss in misses)
        {
            output.WriteLine($"expected {miss.Expected}, got {miss.Got.Reason} (ip_block {miss.Got.IpBlock}; {miss.Got.Why}) :: {miss.Reply}");
        }
        output.WriteLine($"{rows.Count - misses.Count}/{rows.Count} read as stated");

        Assert.True(rows.Count > 150, "the message list is read whole");
        Assert.Empty(misses);
    }
}
