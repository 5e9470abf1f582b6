using PrPortal.Bench;

// Benchmarks print figures side by side with their baseline; they assert nothing.
return args.FirstOrDefault() switch
{
    "delivery" => await DeliveryBenchmark.RunAsync(args[1..]),
    "ingest" => await IngestBenchmark.RunAsync(args[1..]),
    "dnsbl" => await DnsblBenchmark.RunAsync(args[1..]),
    "replay" => await ReplayBenchmark.RunAsync(args[1..]),
    "report" => await ReportBenchmark.RunAsync(args[1..]),
    "sender-auth" => await SenderAuthBenchmark.RunAsync(args[1..]),
    "link-check" => await LinkRiskBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: dotnet run --project PrPortal.Bench -c Release -- delivery [--messages N] [--runs N] | ingest [LINES] | dnsbl [RUNS] | replay [RUNS] | report [DELIVERIES] [RUNS] | sender-auth [MESSAGES] [RUNS] | link-check [LINKS] [RUNS]");
    return 2;
}
