using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PrPortal.Data.Entities;
using PrPortal.Features.Blocklists;
using PrPortal.Infrastructure.Dns;

namespace PrPortal.Bench;

/// <summary>
/// One sweep of 52 sending IPs × 6 zones (with each zone's RFC 5782 test points) against a local
/// rbldnsd, side by side with the same queries made one after another by `dig` in a shell loop; then
/// the same sweep through a UDP relay that drops every tenth query, so timeouts and the retry show.
/// </summary>
public static class DnsblBenchmark
{
    private static readonly string[] Zones = ["zen.bench", "bl.bench", "spamcop.bench", "uce.bench", "psbl.bench", "mailspike.bench"];

    public static async Task<int> RunAsync(string[] args)
    {
        var runs = args.Length > 0 && int.TryParse(args[0], out var r) ? r : 5;
        var dir = Directory.CreateTempSubdirectory("prportal-bench-rbldnsd-");
        var port = FreeUdpPort();
        var ips = Enumerable.Range(10, 48).Select(n => $"203.0.113.{n}").Concat(Enumerable.Range(10, 4).Select(n => $"198.51.100.{n}")).ToList();
        foreach (var zone in Zones)
        {
            // A few listings per zone so answers carry A and TXT records, as in real life.
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, zone), ":127.0.0.2:Listed $\n127.0.0.2\n" + string.Join('\n', ips.Where((_, i) => i % 9 == Array.IndexOf(Zones, zone))) + "\n");
        }
        Chmod(dir.FullName, "755");
        foreach (var file in dir.GetFiles())
        {
            Chmod(file.FullName, "644");
        }
        using var server = Process.Start(new ProcessStartInfo("/usr/sbin/rbldnsd",
            $"-n -q -u rbldns -b 127.0.0.1/{port} -r {dir.FullName} {string.Join(' ', Zones.Select(z => $"{z}:ip4set:{z}"))}") { RedirectStandardError = true })!;
        await Task.Delay(500);
        try
        {
            var rules = Zones.Select((z, i) => ZoneRule.From(new BlocklistZone { Id = i + 1, Name = z, QueryDomain = z })).ToList();
            var direct = new DnsblChecker(new DnsClientResolver(new DnsOptions { Servers = [$"127.0.0.1:{port}"], TimeoutSeconds = 2, Retries = 1 }), 64);
            var queries = ips.Count * Zones.Length + Zones.Length * 2;

            var ours = new List<double>();
            int listed = 0, unknown = 0;
            for (var i = 0; i < runs; i++)
            {
                var watch = Stopwatch.StartNew();
                var checks = await direct.CheckAsync(ips, rules, CancellationToken.None);
                ours.Add(watch.Elapsed.TotalSeconds);
                (listed, unknown) = (checks.Count(c => c.Status == BlocklistStatus.Listed), checks.Count(c => c.Status == BlocklistStatus.Unknown));
            }

            // The baseline: the same A queries, one dig after another, in one shell loop.
            var names = Zones.SelectMany(z => new[] { DnsblChecker.QueryName("127.0.0.2", z), DnsblChecker.QueryName("127.0.0.1", z) })
                .Concat(Zones.SelectMany(z => ips.Select(ip => DnsblChecker.QueryName(ip, z)))).ToList();
            var list = Path.Combine(dir.FullName, "names.txt");
            await File.WriteAllLinesAsync(list, names);
            var digs = new List<double>();
            for (var i = 0; i < Math.Min(runs, 3); i++)
            {
                var watch = Stopwatch.StartNew();
                using var loop = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", $"while read n; do dig +short +tries=2 +time=2 -p {port} @127.0.0.1 \"$n\" A >/dev/null; done < {list}"]))!;
                await loop.WaitForExitAsync();
                digs.Add(watch.Elapsed.TotalSeconds);
            }

            // The same sweep with every tenth query dropped on the way.
            using var relay = new DroppingRelay(new IPEndPoint(IPAddress.Loopback, port), dropEvery: 10);
            var lossy = new DnsblChecker(new DnsClientResolver(new DnsOptions { Servers = [relay.Endpoint.ToString()], TimeoutSeconds = 1, Retries = 1 }), 64);
            var lossyTimes = new List<double>();
            var lossyUnknown = 0;
            for (var i = 0; i < Math.Min(runs, 3); i++)
            {
                var watch = Stopwatch.StartNew();
                var checks = await lossy.CheckAsync(ips, rules, CancellationToken.None);
                lossyTimes.Add(watch.Elapsed.TotalSeconds);
                lossyUnknown = checks.Count(c => c.Status == BlocklistStatus.Unknown);
            }

            Console.WriteLine($"DNSBL sweep: {ips.Count} IPs × {Zones.Length} zones = {ips.Count * Zones.Length} checks ({queries} A queries incl. test points) against rbldnsd on loopback");
            Console.WriteLine($"  PrPortal checker     median {Median(ours):F3} s  (runs: {string.Join(", ", ours.Select(t => t.ToString("F3")))}; {listed} listed, {unknown} unknown; TXT asked for listed ones)");
            Console.WriteLine($"  dig, serial loop     median {Median(digs):F3} s  (runs: {string.Join(", ", digs.Select(t => t.ToString("F3")))}; A queries only)");
            Console.WriteLine($"  speed-up             {Median(digs) / Median(ours):F1}×");
            Console.WriteLine($"  10 % of queries dropped (1 s timeout, 1 retry): median {Median(lossyTimes):F3} s, {relay.Dropped} dropped in all runs, {lossyUnknown} unknown in the last run");
            return 0;
        }
        finally
        {
            server.Kill();
            dir.Delete(recursive: true);
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static int FreeUdpPort()
    {
        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.Client.LocalEndPoint!).Port;
    }

    private static void Chmod(string path, string mode) => Process.Start("chmod", [mode, path])!.WaitForExit();

    /// <summary>A UDP relay in front of the DNS server that silently drops every n-th query.</summary>
    private sealed class DroppingRelay : IDisposable
    {
        private readonly UdpClient _front = new(new IPEndPoint(IPAddress.Loopback, 0));
        private readonly CancellationTokenSource _stop = new();
        private int _count;

        public DroppingRelay(IPEndPoint upstream, int dropEvery)
        {
            _ = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    UdpReceiveResult query;
                    try
                    {
                        query = await _front.ReceiveAsync(_stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    if (Interlocked.Increment(ref _count) % dropEvery == 0)
                    {
                        Dropped++;
                        continue;
                    }
                    _ = Task.Run(async () =>
                    {
                        using var back = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
                        await back.SendAsync(query.Buffer, upstream);
                        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                        var answer = await back.ReceiveAsync(timeout.Token);
                        await _front.SendAsync(answer.Buffer, query.RemoteEndPoint);
                    });
                }
            });
        }

        public IPEndPoint Endpoint => (IPEndPoint)_front.Client.LocalEndPoint!;
        public int Dropped { get; private set; }

        public void Dispose()
        {
            _stop.Cancel();
            _front.Dispose();
        }
    }
}
