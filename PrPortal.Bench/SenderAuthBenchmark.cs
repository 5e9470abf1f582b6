using System.Diagnostics;
using System.Net;
using MimeKit;
using PrPortal.Features.Delivery;
using PrPortal.Features.SenderAuth;
using PrPortal.Infrastructure.Dns;

namespace PrPortal.Bench;

/// <summary>
/// What sender authentication costs. DKIM: release messages built and written to bytes unsigned
/// (baseline) and signed with an RSA 2048 key, per core. SPF: one domain checked for 52 sending IPs
/// through an include, with every DNS answer from memory, against the same count of bare ip4 matches.
/// </summary>
public static class SenderAuthBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var messages = args.Length > 0 ? int.Parse(args[0]) : 2_000;
        var runs = args.Length > 1 ? int.Parse(args[1]) : 5;
        var pair = DkimKeys.Generate();
        var signer = DkimKeys.Signer(pair.PrivateKeyPem, "customer.example.jp", "prp202611");

        double Measure(bool sign)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < messages; i++)
            {
                var message = ReleaseMessage.Build(i, "pr@customer.example.jp", "株式会社カスタマー", $"reader{i}@example.jp", "新製品のお知らせ", "本文です。\n" + new string('あ', 2000));
                if (sign)
                {
                    DkimKeys.Sign(signer, message);
                }
                using var sink = new MemoryStream();
                message.WriteTo(sink);
            }
            return messages / watch.Elapsed.TotalSeconds;
        }

        Measure(false);
        Measure(true);
        var plain = Enumerable.Range(0, runs).Select(_ => Measure(false)).Order().ToList();
        var signed = Enumerable.Range(0, runs).Select(_ => Measure(true)).Order().ToList();
        var plainMedian = plain[runs / 2];
        var signedMedian = signed[runs / 2];
        Console.WriteLine($"DKIM, {messages} release messages × {runs} runs, one core (median messages/s):");
        Console.WriteLine($"  built and written, unsigned (baseline)   {plainMedian,10:N0}");
        Console.WriteLine($"  built, signed (RSA 2048) and written     {signedMedian,10:N0}   ratio {signedMedian / plainMedian:0.00}");
        Console.WriteLine($"  signing per message                      {(1 / signedMedian - 1 / plainMedian) * 1000,10:0.000} ms");
        Console.WriteLine($"  1.8 million releases a day is {1_800_000 / 86_400.0:0} messages/s");

        var ips = Enumerable.Range(0, 48).Select(i => $"203.0.113.{10 + i}").Concat(Enumerable.Range(0, 4).Select(i => $"198.51.100.{10 + i}")).ToList();
        var zone = new MemoryDns(new()
        {
            ["customer.example.jp"] = ["v=spf1 include:_spf.prportal.example -all"],
            ["_spf.prportal.example"] = ["v=spf1 " + string.Join(' ', ips.Select(ip => "ip4:" + ip)) + " -all"],
            ["bare.example.jp"] = ["v=spf1 " + string.Join(' ', ips.Select(ip => "ip4:" + ip)) + " -all"],
        });
        async Task<double> Checks(string domain)
        {
            var watch = Stopwatch.StartNew();
            var rounds = 200;
            for (var r = 0; r < rounds; r++)
            {
                var evaluator = new SpfEvaluator(new CachingSpfDns(zone), TimeProvider.System);
                foreach (var ip in ips)
                {
                    await evaluator.CheckAsync(IPAddress.Parse(ip), "postmaster@" + domain, "mail.prportal.example", default);
                }
            }
            return rounds * ips.Count / watch.Elapsed.TotalSeconds;
        }
        await Checks("customer.example.jp");
        var bare = new List<double>();
        var include = new List<double>();
        for (var r = 0; r < runs; r++)
        {
            bare.Add(await Checks("bare.example.jp"));
            include.Add(await Checks("customer.example.jp"));
        }
        bare.Sort();
        include.Sort();
        Console.WriteLine($"SPF check_host, 52 sending IPs, DNS from memory (median checks/s):");
        Console.WriteLine($"  52 ip4 terms in the domain's own record (baseline) {bare[runs / 2],10:N0}");
        Console.WriteLine($"  include:_spf.prportal.example                      {include[runs / 2],10:N0}   ratio {include[runs / 2] / bare[runs / 2]:0.00}");
        return 0;
    }

    private sealed class MemoryDns(Dictionary<string, string[]> txt) : ISpfDns
    {
        public Task<DnsAnswer<string>> TxtAsync(string name, CancellationToken cancellationToken) =>
            Task.FromResult(txt.TryGetValue(name, out var r) ? new DnsAnswer<string>(DnsStatus.Ok, r, TimeSpan.Zero) : new DnsAnswer<string>(DnsStatus.NxDomain, [], TimeSpan.Zero));
        public Task<DnsAnswer<IPAddress>> AAsync(string name, CancellationToken cancellationToken) => Task.FromResult(new DnsAnswer<IPAddress>(DnsStatus.NxDomain, [], TimeSpan.Zero));
        public Task<DnsAnswer<IPAddress>> AaaaAsync(string name, CancellationToken cancellationToken) => AAsync(name, cancellationToken);
        public Task<DnsAnswer<MxHost>> MxAsync(string name, CancellationToken cancellationToken) => Task.FromResult(new DnsAnswer<MxHost>(DnsStatus.NxDomain, [], TimeSpan.Zero));
        public Task<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken cancellationToken) => Task.FromResult(new DnsAnswer<string>(DnsStatus.NxDomain, [], TimeSpan.Zero));
    }
}
