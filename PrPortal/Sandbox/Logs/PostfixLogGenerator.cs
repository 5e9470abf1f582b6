using System.Globalization;
using PrPortal.Features.DemoWorld;
using PrPortal.Features.Providers;
using PrPortal.Sandbox.Scenarios;
using PrPortal.Sandbox.Smtp;

namespace PrPortal.Sandbox.Logs;

/// <summary>
/// Writes a realistic multi-IP Postfix maillog (one transport per sending IP, named postfix-ipNN):
/// cleanup, qmgr, smtp and removal lines per message, the scenario's provider mix and background
/// failures, and its blocks with the providers' real replies. Deterministic for a seed.
/// </summary>
public static class PostfixLogGenerator
{
    /// <param name="recipientOf">The real recipient of a delivery id (a log of mail the portal sent); null: made-up addresses.</param>
    public static long Write(TextWriter writer, IncidentScenario scenario, long messages, DateTime startUtc, TimeSpan span, long firstDeliveryId = 1,
        Func<long, string?>? recipientOf = null)
    {
        var random = new Random(scenario.Seed);
        var domains = DemoWorldCatalog.DomainsByProvider();
        var byDomain = domains.Values.SelectMany(d => d).GroupBy(d => d.Domain, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        var providers = scenario.ProviderMix.ToArray();
        var total = providers.Sum(p => p.Value);
        var blocks = scenario.Blocks.Select(b => (b.Provider, Ips: b.PrimaryIndexes().ToHashSet(), b.FromHour, b.UntilHour, Reply: b.Reply)).ToList();
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        var lines = 0L;
        for (long n = 0; n < messages; n++)
        {
            var at = startUtc + TimeSpan.FromTicks((long)(span.Ticks * (n / (double)messages)));
            var local = TimeZoneInfo.ConvertTimeFromUtc(at, tokyo);
            var stamp = local.ToString("MMM d HH:mm:ss", CultureInfo.InvariantCulture).PadLeft(15);
            stamp = local.Day < 10 ? local.ToString("MMM  d HH:mm:ss", CultureInfo.InvariantCulture) : stamp;
            var ip = random.Next(scenario.Ips.Primary);
            var transport = $"postfix-ip{ip + 1:00}";
            var queueId = (0x10000000 + n).ToString("X9", CultureInfo.InvariantCulture);
            var roll = random.NextDouble() * total;
            var provider = providers[^1].Key;
            foreach (var (key, share) in providers)
            {
                if ((roll -= share) < 0)
                {
                    provider = key;
                    break;
                }
            }
            var options = domains[provider];
            var domain = options[random.Next(options.Length)];
            var delivery = firstDeliveryId + n;
            var to = $"user{delivery}@{domain.Domain}";
            if (recipientOf?.Invoke(delivery) is { } real && byDomain.TryGetValue(real[(real.LastIndexOf('@') + 1)..], out var known))
            {
                (to, domain, provider) = (real, known, known.ProviderId);
            }
            var hour = (at - startUtc).TotalHours;
            var block = blocks.FirstOrDefault(b => b.Provider == provider && b.Ips.Contains(ip) && hour >= b.FromHour && hour < b.UntilHour);
            var pid = 1000 + ip;
            var productionIp = $"203.0.113.{10 + ip}";

            writer.Write($"{stamp} mta{ip + 1:00} {transport}/cleanup[{pid}]: {queueId}: message-id=<d{delivery}.{n:x}@mail.prportal.example>\n");
            writer.Write($"{stamp} mta{ip + 1:00} {transport}/qmgr[{pid}]: {queueId}: from=<bounce+d{delivery}@bounce.prportal.example>, size={2000 + random.Next(60000)}, nrcpt=1 (queue active)\n");
            string status, detail, dsn;
            var failure = random.NextDouble();
            if (block.Reply is not null)
            {
                var reply = block.Reply.Replace("{ip}", productionIp);
                (status, dsn) = reply.StartsWith('4') ? ("deferred", "4.7.0") : ("bounced", reply.Split(' ')[1]);
                detail = $"host {domain.MxHost}[192.0.2.{random.Next(1, 254)}] said: {reply} (in reply to {(provider == MailboxProviderCatalog.Microsoft365 ? "RCPT TO" : "MAIL FROM")} command)";
            }
            else if (failure < scenario.BackgroundFailures.GetValueOrDefault("userunknown"))
            {
                var reply = ProviderProfile.For(provider).UserUnknown.Replace("{rcpt}", to).Replace("\n", " ");
                (status, dsn, detail) = ("bounced", "5.1.1", $"host {domain.MxHost}[192.0.2.{random.Next(1, 254)}] said: {reply} (in reply to RCPT TO command)");
            }
            else if (failure < scenario.BackgroundFailures.GetValueOrDefault("userunknown") + scenario.BackgroundFailures.GetValueOrDefault("mailboxfull"))
            {
                (status, dsn, detail) = ("bounced", "5.2.2", $"host {domain.MxHost}[192.0.2.{random.Next(1, 254)}] said: 552 5.2.2 Mailbox full (in reply to RCPT TO command)");
            }
            else
            {
                (status, dsn, detail) = ("sent", "2.0.0", $"250 2.0.0 Ok: queued as {random.NextInt64():X}");
            }
            writer.Write($"{stamp} mta{ip + 1:00} {transport}/smtp[{pid + 5000}]: {queueId}: to=<{to}>, relay={domain.MxHost}[192.0.2.{random.Next(1, 254)}]:25, delay=0.{random.Next(10, 99)}, delays=0.01/0/0.2/0.3, dsn={dsn}, status={status} ({detail})\n");
            writer.Write($"{stamp} mta{ip + 1:00} {transport}/qmgr[{pid}]: {queueId}: removed\n");
            lines += 4;
        }
        return lines;
    }
}
