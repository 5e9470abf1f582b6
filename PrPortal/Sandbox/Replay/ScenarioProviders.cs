using PrPortal.Sandbox.Scenarios;

namespace PrPortal.Sandbox.Replay;

/// <summary>A reply as the transport hands it back: the SMTP code decides accepted, deferred or rejected.</summary>
public readonly record struct ProviderReply(int Code, string Text);

/// <summary>
/// The mailbox providers of a scenario, in memory: a blocked IP gets the block's reply (with the IP in
/// it) while the block lasts; otherwise a share of mails meets the scenario's background failures, and
/// the rest are accepted. Deterministic for a given random source.
/// </summary>
public sealed class ScenarioProviders
{
    public static readonly ProviderReply Accepted = new(250, "250 2.0.0 OK queued");

    private sealed record Block(DateTime FromUtc, DateTime UntilUtc, bool[] Primaries, string[] Replies, int Code);

    private readonly Dictionary<string, List<Block>> _blocks = [];
    private readonly (double Upto, ProviderReply Reply)[] _background;

    public ScenarioProviders(IncidentScenario scenario, IReadOnlyList<string> primaryAddresses)
    {
        var start = scenario.Start.UtcDateTime;
        foreach (var block in scenario.Blocks)
        {
            var hit = new bool[scenario.Ips.Primary];
            foreach (var index in block.PrimaryIndexes())
            {
                hit[index] = true;
            }
            var replies = primaryAddresses.Select(a => block.Reply.Replace("{ip}", a, StringComparison.Ordinal)).ToArray();
            if (!_blocks.TryGetValue(block.Provider, out var list))
            {
                _blocks[block.Provider] = list = [];
            }
            list.Add(new Block(start.AddHours(block.FromHour), start.AddHours(block.UntilHour), hit, replies, int.Parse(block.Reply[..3])));
        }
        var upto = 0.0;
        _background = scenario.BackgroundFailures.Where(f => f.Value > 0).Select(f =>
        {
            upto += f.Value;
            var text = IncidentScenario.BackgroundReplies[f.Key];
            return (upto, new ProviderReply(int.Parse(text[..3]), text));
        }).ToArray();
    }

    /// <summary>Every moment a block starts or ends, in order: between two of them nothing changes.</summary>
    public IReadOnlyList<DateTime> Boundaries => _blocks.Values.SelectMany(b => b).SelectMany(b => new[] { b.FromUtc, b.UntilUtc }).Distinct().Order().ToList();

    /// <summary>The earliest moment any block starts, or null in a quiet scenario.</summary>
    public DateTime? FirstBlockFromUtc => _blocks.Values.SelectMany(b => b).Select(b => (DateTime?)b.FromUtc).Min();

    /// <summary>The block reply for this IP (a primary's 0-based index, or -1 for a spare), or null when none applies now.</summary>
    public ProviderReply? BlockReply(string provider, int primaryIndex, DateTime atUtc)
    {
        if (primaryIndex < 0 || !_blocks.TryGetValue(provider, out var blocks))
        {
            return null;
        }
        foreach (var block in blocks)
        {
            if (atUtc >= block.FromUtc && atUtc < block.UntilUtc && block.Primaries[primaryIndex])
            {
                return new ProviderReply(block.Code, block.Replies[primaryIndex]);
            }
        }
        return null;
    }

    /// <summary>What a release to this provider from this IP meets now: a block, a background failure, or acceptance.</summary>
    public ProviderReply Deliver(string provider, int primaryIndex, DateTime atUtc, Random random)
    {
        if (BlockReply(provider, primaryIndex, atUtc) is { } blocked)
        {
            return blocked;
        }
        if (_background.Length > 0)
        {
            var draw = random.NextDouble();
            foreach (var (upto, reply) in _background)
            {
                if (draw < upto)
                {
                    return reply;
                }
            }
        }
        return Accepted;
    }
}
