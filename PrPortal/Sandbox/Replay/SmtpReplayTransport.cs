using PrPortal.Data.Entities;
using PrPortal.Features.Delivery;
using PrPortal.Sandbox.Smtp;

namespace PrPortal.Sandbox.Replay;

/// <summary>What `replay --smtp` needs: the running sandbox and the portal's delivery engine.</summary>
public sealed record SmtpReplay(SandboxWorld World, DeliveryEngine Engine)
{
    /// <summary>Real sockets are slower than memory: an SMTP replay plays at most this many mails.</summary>
    public const int MaxMails = 20_000;

    /// <summary>The loopback address a replay IP binds to (127.0.9.x for primaries, 127.0.10.x for spares).</summary>
    public static string BindFor(int index, bool primary) => primary ? $"127.0.9.{index + 1}" : $"127.0.10.{index + 1}";
}

/// <summary>
/// The replay's mail over real SMTP: each mail goes through the delivery engine from its IP's loopback
/// alias to the provider's simulator; the scenario's blocks are set in the simulators as the virtual
/// clock passes their start and end, and a background failure is the simulator's reply to that recipient.
/// </summary>
public sealed class SmtpReplayTransport
{
    private readonly SmtpReplay _smtp;
    private readonly ScenarioProviders _providers;
    private readonly IReadOnlyList<string> _primaries;
    private readonly IReadOnlyDictionary<string, string> _domains;
    private readonly Dictionary<(string Provider, string Ip), string?> _applied = [];
    private readonly List<DateTime> _boundaries;
    private int _period = -1;

    public SmtpReplayTransport(SmtpReplay smtp, ScenarioProviders providers, IReadOnlyList<SendingIp> ips, IEnumerable<string> providerIds)
    {
        _smtp = smtp;
        _providers = providers;
        _primaries = ips.Where(i => i.Role == SendingIpRole.Primary).Select(i => i.Address).ToList();
        foreach (var ip in ips)
        {
            smtp.World.MapSendingIp(System.Net.IPAddress.Parse(ip.BindAddress!), ip.Address);
        }
        var catalog = Features.DemoWorld.DemoWorldCatalog.DomainsByProvider();
        _domains = providerIds.ToDictionary(p => p, p => catalog[p][0].Domain);
        _boundaries = providers.Boundaries.ToList();
    }

    /// <summary>A recipient at the provider, as the sandbox's DNS routes it to that provider's simulator.</summary>
    public string Recipient(string provider, string local) => $"{local}@{_domains[provider]}";

    public async Task<ProviderReply> DeliverAsync(int mail, string provider, SendingIp ip, int primaryIndex, DateTime at, Random random, CancellationToken cancellationToken)
    {
        SyncBlocks(at);
        var recipient = Recipient(provider, $"r{mail}");
        var meets = _providers.Deliver(provider, primaryIndex, at, random);
        // A background failure is drawn afresh for every attempt, as in memory: a retry may get through.
        var rules = _smtp.World.Simulator(provider).Rules;
        if (meets.Code >= 300 && _providers.BlockReply(provider, primaryIndex, at) is null)
        {
            rules.SetAddressReply(recipient, meets.Text);
        }
        else
        {
            rules.ClearAddressReply(recipient);
        }
        var message = ReleaseMessage.Build(mail, "replay@mail.prportal.example", "PrPortal replay", recipient, $"Replay #{mail}", "replay");
        var result = (await _smtp.Engine.SendAsync(new SendRequest(message, ReleaseMessage.ReturnPath(mail),
            [new OutgoingRecipient(recipient)], SendingRoute.From(ip)), cancellationToken)).Single();
        var code = result.ReplyCode ?? result.Outcome switch
        {
            AttemptOutcome.Accepted => 250,
            AttemptOutcome.Rejected => 550,
            _ => 451,
        };
        return new ProviderReply(code, result.ReplyText ?? result.Error ?? code.ToString());
    }

    public void SyncTo(DateTime at) => SyncBlocks(at);

    // The simulators block exactly what the scenario blocks at this moment; looked at again only when a block starts or ends.
    private void SyncBlocks(DateTime at)
    {
        var index = _boundaries.BinarySearch(at);
        var period = index >= 0 ? index + 1 : ~index; // how many boundaries lie at or before this moment
        if (period == _period)
        {
            return;
        }
        _period = period;
        foreach (var provider in _domains.Keys)
        {
            for (var i = 0; i < _primaries.Count; i++)
            {
                var reply = _providers.BlockReply(provider, i, at)?.Text;
                if (_applied.TryGetValue((provider, _primaries[i]), out var applied) ? applied == reply : reply is null)
                {
                    continue;
                }
                var rules = _smtp.World.Simulator(provider).Rules;
                if (reply is null)
                {
                    rules.Unblock(_primaries[i]);
                }
                else
                {
                    rules.Block(_primaries[i], new SimulatedReply(BlockStage.Rcpt, reply));
                }
                _applied[(provider, _primaries[i])] = reply;
            }
        }
    }

    /// <summary>Blocks this replay set are taken off the simulators again.</summary>
    public void Clear()
    {
        foreach (var ((provider, ip), reply) in _applied)
        {
            if (reply is not null)
            {
                _smtp.World.Simulator(provider).Rules.Unblock(ip);
            }
        }
        _applied.Clear();
    }
}
