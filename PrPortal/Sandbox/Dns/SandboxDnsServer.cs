using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace PrPortal.Sandbox.Dns;

/// <summary>
/// An authoritative DNS server on a loopback address (UDP and TCP) answering from <see cref="SandboxZones"/>:
/// the sandbox's MX, A and TXT records, DNSBL and URI blocklist zones, and injected timeouts and SERVFAILs.
/// </summary>
public sealed class SandboxDnsServer : IDisposable
{
    private const int Ttl = 300;
    private readonly DnsServer _server;

    public SandboxDnsServer(SandboxZones zones, IPEndPoint endpoint)
    {
        Zones = zones;
        Endpoint = endpoint;
        _server = new DnsServer(new UdpServerTransport(endpoint, 5000), new TcpServerTransport(endpoint, 5000, 120_000));
        _server.QueryReceived += OnQueryReceivedAsync;
    }

    public SandboxZones Zones { get; }
    public IPEndPoint Endpoint { get; }
    /// <summary>How long a "timeout" fault holds a query unanswered.</summary>
    public TimeSpan TimeoutFaultDelay { get; set; } = TimeSpan.FromSeconds(30);

    public void Start() => _server.Start();

    public void Dispose() => _server.Stop();

    private async Task OnQueryReceivedAsync(object sender, QueryReceivedEventArgs e)
    {
        if (e.Query is not DnsMessage query)
        {
            return;
        }
        var response = query.CreateResponseInstance();
        response.IsAuthoritiveAnswer = true;
        response.ReturnCode = ReturnCode.NoError;

        foreach (var question in query.Questions)
        {
            var name = question.Name.ToString().TrimEnd('.');
            switch (Zones.FaultFor(name))
            {
                case DnsFault.Timeout:
                    await Task.Delay(TimeoutFaultDelay);
                    return; // no response at all
                case DnsFault.ServFail:
                    response.ReturnCode = ReturnCode.ServerFailure;
                    e.Response = response;
                    return;
            }
            Answer(question, name, response);
        }
        e.Response = response;
    }

    private void Answer(DnsQuestion question, string name, DnsMessage response)
    {
        var owner = question.Name;
        var (inZone, entry) = Zones.Blocklisted(name);
        if (inZone)
        {
            if (entry is not { } listed)
            {
                response.ReturnCode = ReturnCode.NxDomain;
                return;
            }
            if (question.RecordType is RecordType.A or RecordType.Any)
            {
                response.AnswerRecords.Add(new ARecord(owner, Ttl, listed.Code));
            }
            if (question.RecordType is RecordType.Txt or RecordType.Any && listed.Reason is not null)
            {
                response.AnswerRecords.Add(new TxtRecord(owner, Ttl, listed.Reason));
            }
            return;
        }

        if (!Zones.Exists(name))
        {
            response.ReturnCode = ReturnCode.NxDomain;
            return;
        }
        switch (question.RecordType)
        {
            case RecordType.Mx:
                foreach (var (preference, host) in Zones.Mx(name))
                {
                    response.AnswerRecords.Add(new MxRecord(owner, Ttl, (ushort)preference, DomainName.Parse(host)));
                }
                break;
            case RecordType.A:
                foreach (var address in Zones.A(name))
                {
                    response.AnswerRecords.Add(new ARecord(owner, Ttl, address));
                }
                break;
            case RecordType.Txt:
                foreach (var text in Zones.Txt(name))
                {
                    response.AnswerRecords.Add(new TxtRecord(owner, Ttl, SplitTxt(text)));
                }
                break;
        }
    }

    // A TXT string holds at most 255 bytes; longer records (SPF, DKIM keys) go out as several strings.
    private static IEnumerable<string> SplitTxt(string text) =>
        text.Length <= 255 ? [text] : Enumerable.Range(0, (text.Length + 254) / 255).Select(i => text.Substring(i * 255, Math.Min(255, text.Length - i * 255)));
}
