using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using PrPortal.Data.Entities;
using PrPortal.Features.Delivery;
using PrPortal.Features.Providers;
using PrPortal.Infrastructure.Dns;
using PrPortal.Sandbox.Dns;

namespace PrPortal.Bench;

/// <summary>
/// Mails per second through the delivery engine into Postfix's smtp-sink on loopback, from 8 source
/// IPs, side by side with Postfix's own smtp-source (8 sessions, connections reused) against the same sink.
/// </summary>
public static class DeliveryBenchmark
{
    private const string SinkAddress = "127.0.3.1";
    private const int SinkPort = 2526;
    private const int SourceIps = 8;

    public static async Task<int> RunAsync(string[] args)
    {
        var messages = Option(args, "--messages", 10000);
        var runs = Option(args, "--runs", 3);
        foreach (var tool in new[] { "/usr/sbin/smtp-sink", "/usr/sbin/smtp-source" })
        {
            if (!File.Exists(tool))
            {
                Console.Error.WriteLine($"{tool} is missing: apt-get install postfix");
                return 2;
            }
        }

        using var sink = Process.Start(new ProcessStartInfo("/usr/sbin/smtp-sink", $"-u nobody {SinkAddress}:{SinkPort} 1024")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            await WaitForPortAsync();
            var zones = new SandboxZones();
            zones.SetMx("bench.example", ("mx.bench.example", 10));
            zones.SetA("mx.bench.example", IPAddress.Parse(SinkAddress));
            using var dnsServer = new SandboxDnsServer(zones, new IPEndPoint(IPAddress.Loopback, FreePort()));
            dnsServer.Start();
            var dns = new DnsClientResolver(new DnsOptions { Servers = [dnsServer.Endpoint.ToString()] });

            Console.WriteLine($"delivery benchmark: {messages} messages per run, median of {runs} runs after a warm-up, {SourceIps} source IPs / sessions, sink {SinkAddress}:{SinkPort}");
            Console.WriteLine($"{"size",8} {"smtp-source mails/s",20} {"PrPortal mails/s",18} {"ratio",7}");
            foreach (var size in new[] { 1024, 50 * 1024 })
            {
                var source = new List<double>();
                var engine = new List<double>();
                // Both sides warm up first: the portal's engine runs for days, so its steady state is what counts.
                await SmtpSourceAsync(Math.Min(messages, 2000), size);
                await EngineAsync(dns, messages, size);
                for (var run = 0; run < runs; run++)
                {
                    source.Add(await SmtpSourceAsync(messages, size));
                    engine.Add(await EngineAsync(dns, messages, size));
                }
                var s = Median(source);
                var e = Median(engine);
                Console.WriteLine($"{size / 1024,6}KB {s,20:N0} {e,18:N0} {e / s,7:0.00}");
                Console.WriteLine($"{{\"size_bytes\":{size},\"smtp_source_mails_per_s\":{s:0},\"prportal_mails_per_s\":{e:0},\"ratio\":{e / s:0.00},\"runs_source\":[{string.Join(',', source.Select(x => x.ToString("0")))}],\"runs_prportal\":[{string.Join(',', engine.Select(x => x.ToString("0")))}]}}");
            }
            return 0;
        }
        finally
        {
            sink.Kill();
        }
    }

    private static async Task<double> SmtpSourceAsync(int messages, int size)
    {
        var watch = Stopwatch.StartNew();
        using var source = Process.Start(new ProcessStartInfo("/usr/sbin/smtp-source",
            $"-d -s {SourceIps} -m {messages} -l {size} -f bench@prportal.example -t rcpt@bench.example {SinkAddress}:{SinkPort}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await source.WaitForExitAsync();
        if (source.ExitCode != 0)
        {
            throw new InvalidOperationException($"smtp-source failed: {await source.StandardError.ReadToEndAsync()}");
        }
        return messages / watch.Elapsed.TotalSeconds;
    }

    private static async Task<double> EngineAsync(IDnsResolver dns, int messages, int size)
    {
        var options = new DeliveryOptions { SmtpPort = SinkPort, MaxConnectionsPerIp = 1, MaxConnectionsPerProvider = SourceIps };
        await using var engine = new DeliveryEngine(dns, new ProviderResolver(dns, TimeProvider.System), options, TimeProvider.System, NullLogger<DeliveryEngine>.Instance);
        var body = new string('x', size);
        var failures = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(1, SourceIps).Select(ip => Task.Run(async () =>
        {
            var route = new SendingRoute(ip, $"203.0.113.{9 + ip}", IPAddress.Parse($"127.0.1.{ip}"), SendingIpRole.Primary);
            for (var i = ip - 1; i < messages; i += SourceIps)
            {
                // The same payload as smtp-source's: one plain part of `size` bytes.
                var message = new MimeMessage();
                message.From.Add(new MailboxAddress("Bench", "release@mail.prportal.example"));
                message.To.Add(new MailboxAddress("", "rcpt@bench.example"));
                message.Subject = "bench";
                message.MessageId = $"d{i}.bench@mail.prportal.example";
                message.Body = new TextPart("plain") { Text = body };
                var results = await engine.SendAsync(new SendRequest(message, ReleaseMessage.ReturnPath(i), [new OutgoingRecipient("rcpt@bench.example")], route), default);
                if (results[0].Outcome != AttemptOutcome.Accepted)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })));
        var rate = messages / watch.Elapsed.TotalSeconds;
        if (failures > 0)
        {
            throw new InvalidOperationException($"{failures} of {messages} messages were not accepted by the sink.");
        }
        return rate;
    }

    private static async Task WaitForPortAsync()
    {
        for (var i = 0; i < 50; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(SinkAddress, SinkPort);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new InvalidOperationException("smtp-sink did not start listening.");
    }

    private static int FreePort()
    {
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)udp.LocalEndPoint!).Port;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var value) && value > 0 ? value : fallback;
    }
}
