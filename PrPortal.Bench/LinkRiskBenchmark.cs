using System.Diagnostics;
using System.Net;
using PrPortal.Features.LinkRisk;
using PrPortal.Features.SenderAuth;
using PrPortal.Infrastructure.Dns;
using PrPortal.Sandbox.Dns;
using PrPortal.Sandbox.Http;

namespace PrPortal.Bench;

/// <summary>
/// The link check of one release with many links, over real sockets: the sandbox DNS (names and the three
/// URI blocklists) and a loopback web answering every link with a page. One link at a time (baseline)
/// against the configured concurrency; each link costs a HEAD and, for HTML, a GET.
/// </summary>
public static class LinkRiskBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var links = args.Length > 0 ? int.Parse(args[0]) : 2_000;
        var runs = args.Length > 1 ? int.Parse(args[1]) : 3;
        var zones = new SandboxZones();
        zones.AddUriBlocklists();
        var address = IPAddress.Parse("127.0.79.1");
        zones.SetA("www.example-corp.co.jp", address);
        var dnsEndpoint = new IPEndPoint(IPAddress.Loopback, 10_153);
        using var dnsServer = new SandboxDnsServer(zones, dnsEndpoint);
        dnsServer.Start();
        await using var web = await LinkWorld.StartAsync(address);
        web.Fallback = context => Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(context.Response, "<html><body>release page</body></html>");
        var html = "<html><body>" + string.Concat(Enumerable.Range(0, links).Select(i => $"<p><a href=\"{web.Url("www.example-corp.co.jp", $"/news/{i}.html")}\">{i}</a></p>")) + "</body></html>";
        var dns = new DnsClientResolver(new DnsOptions { Servers = [dnsEndpoint.ToString()], TimeoutSeconds = 2, Retries = 0 });
        var options = new LinkRiskOptions { AllowedTestRanges = ["127.0.79.0/24"], AllowedPorts = [web.HttpPort], TotalSeconds = 600 };

        var extract = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            LinkExtractor.Extract(html);
            extract.Add(watch.Elapsed.TotalMilliseconds);
        }

        async Task<double> Seconds(int concurrency)
        {
            var checker = new LinkRiskChecker(options with { MaxConcurrency = concurrency }, dns, PublicSuffixList.Default, TimeProvider.System);
            var report = await checker.CheckAsync(html, null, CancellationToken.None);
            if (report.Links.Count != links || report.Links.Any(l => l.Risk != Risk.Ok))
            {
                throw new InvalidOperationException("the benchmark release did not check clean");
            }
            return report.Seconds;
        }

        await Seconds(options.MaxConcurrency);
        var sequential = new List<double>();
        var parallel = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            sequential.Add(await Seconds(1));
            parallel.Add(await Seconds(options.MaxConcurrency));
        }
        double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
        Console.WriteLine($"Link check, one release with {links:N0} distinct links on loopback × {runs} runs (median):");
        Console.WriteLine($"  links extracted (AngleSharp)               {Median(extract),8:0.0} ms");
        Console.WriteLine($"  one link at a time (baseline)              {Median(sequential),8:0.00} s   {links / Median(sequential),8:N0} links/s");
        Console.WriteLine($"  {options.MaxConcurrency} at a time (LinkRisk:MaxConcurrency)     {Median(parallel),8:0.00} s   {links / Median(parallel),8:N0} links/s   speed-up {Median(sequential) / Median(parallel):0.0}×");
        Console.WriteLine($"  the release limit is {new LinkRiskOptions().TotalSeconds:0} s: about {links / Median(parallel) * new LinkRiskOptions().TotalSeconds:N0} such links fit in it");
        return 0;
    }
}
