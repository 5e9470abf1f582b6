using System.Globalization;
using System.Net;
using System.Text;

namespace PrPortal.Sandbox.Http;

/// <summary>
/// The sandbox's Microsoft SNDS: "IP Status" lists the IPs the Microsoft simulator blocks (consecutive
/// addresses as one range, as SNDS does), "Data" has yesterday's row per sending IP, RED where blocked.
/// A request with another key gets the HTML sign-in page the real service answers with.
/// </summary>
public sealed class SandboxSnds(SandboxWorld world, string key, Func<IReadOnlyList<string>> sendingIps, TimeProvider clock)
{
    public HttpAnswer Answer(HttpListenerRequest request)
    {
        if (request.QueryString["key"] != key)
        {
            return new HttpAnswer(200, "text/html", "<html><head><title>Sign in</title></head><body>Smart Network Data Services: please sign in.</body></html>");
        }
        return request.Url?.AbsolutePath.ToLowerInvariant() switch
        {
            "/snds/ipstatus.aspx" => new HttpAnswer(200, "text/csv", IpStatus()),
            "/snds/data.aspx" => new HttpAnswer(200, "text/csv", Data(request.QueryString["date"])),
            _ => new HttpAnswer(404, "text/plain", "not found"),
        };
    }

    private HashSet<string> Blocked() => world.Simulator(Features.Providers.MailboxProviderCatalog.MicrosoftConsumer).Rules.BlockedIps.ToHashSet();

    private string IpStatus()
    {
        var blocked = Blocked().Select(IPAddress.Parse).Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            .Select(a => (Address: a, Value: Value(a))).OrderBy(a => a.Value).ToList();
        var text = new StringBuilder();
        for (var i = 0; i < blocked.Count; i++)
        {
            var first = blocked[i];
            while (i + 1 < blocked.Count && blocked[i + 1].Value == blocked[i].Value + 1)
            {
                i++;
            }
            text.Append(CultureInfo.InvariantCulture, $"{first.Address},{blocked[i].Address},Yes,Blocked due to user complaints or other evidence of spamming\r\n");
        }
        return text.ToString();
    }

    private string Data(string? date)
    {
        var day = date is { Length: 6 } && DateTime.TryParseExact(date, "MMddyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d : clock.GetUtcNow().UtcDateTime.Date.AddDays(-1);
        var blocked = Blocked();
        var text = new StringBuilder();
        foreach (var (ip, i) in sendingIps().Select((ip, i) => (ip, i)))
        {
            var red = blocked.Contains(ip);
            var volume = 9000 + (i * 373 % 4000);
            text.Append(CultureInfo.InvariantCulture,
                $"{ip},{day:M/d/yyyy} 12:00 AM,{day:M/d/yyyy} 11:00 PM,{volume},{(red ? volume / 20 : volume - 12)},{(red ? volume / 20 : volume - 12)},{(red ? "RED" : i % 7 == 3 ? "YELLOW" : "GREEN")},{(red ? "2.4%" : "< 0.1%")},,,{(red ? 14 : 0)},mail.prportal.example,bounce@mail.prportal.example,\r\n");
        }
        return text.ToString();
    }

    private static uint Value(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    }
}
