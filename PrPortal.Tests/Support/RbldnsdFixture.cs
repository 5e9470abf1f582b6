using System.Diagnostics;

namespace PrPortal.Tests.Support;

/// <summary>
/// A real DNS blocklist server: Debian's rbldnsd on 127.0.0.1 with zone files written by the test, run
/// as the rbldns user (it refuses root). Zones change on disk and are reloaded with <see cref="ReloadAsync"/>.
/// </summary>
public sealed class RbldnsdFixture : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "prportal-rbldnsd-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly Dictionary<(string Zone, string Type), string> _zones = new();
    private Process? _server;

    public int Port { get; } = LoopbackPorts.FreeUdp();
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>The zones every blocklist test shares: queried names end in ".test".</summary>
    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        // Spamhaus-like: test point, a CSS listing with its TXT, an IP answered with an error code.
        Write("zen.test", "ip4set", """
            :127.0.0.2:Listed, see https://check.spamhaus.org/query/ip/$
            127.0.0.2
            203.0.113.10 :127.0.0.3:CSS listing for $
            203.0.113.11 :127.0.0.4:XBL listing for $
            203.0.113.12 :127.255.255.254:Query refused
            """);
        Write("bl.test", "ip4set", """
            :127.0.0.2:Blocked, see https://bl.test/lookup?ip=$
            127.0.0.2
            203.0.113.10
            """);
        // A zone tests change while the server runs (rbldnsd serves only zones named at start).
        Write("moving.test", "ip4set", """
            :127.0.0.2:Listed $
            127.0.0.2
            """);
        // A dead list whose domain now answers everything.
        Write("dead.test", "ip4trie", """
            :127.0.0.2:everything is listed
            0.0.0.0/0
            """);
        // A zone without its test point: not to be trusted either way.
        Write("broken.test", "ip4set", """
            :127.0.0.2:listed
            203.0.113.10
            """);
        // A zone may hold IPv4 and IPv6 data; its RFC 5782 IPv4 test point is there too.
        Write("v6.test", "ip4set", """
            :127.0.0.2:test point
            127.0.0.2
            """);
        Write("v6.test", "ip6trie", """
            :127.0.0.2:IPv6 listed
            2001:db8::/64
            """);
        return StartAsync();
    }

    /// <summary>Replaces one zone's data; call <see cref="ReloadAsync"/> for the server to read it.</summary>
    public void Write(string zone, string type, string data)
    {
        var file = Path.Combine(_dir, $"{zone.Replace('.', '_')}_{type}");
        _zones[(zone, type)] = file;
        File.WriteAllText(file, data.ReplaceLineEndings("\n") + "\n");
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    /// <summary>rbldnsd reloads changed zone files on SIGHUP.</summary>
    public async Task ReloadAsync()
    {
        using var hup = Process.Start("kill", $"-HUP {_server!.Id}")!;
        await hup.WaitForExitAsync();
        await Task.Delay(300);
    }

    private async Task StartAsync()
    {
        if (!File.Exists("/usr/sbin/rbldnsd"))
        {
            throw new InvalidOperationException("rbldnsd is not installed: ./test.sh installs it");
        }
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("rbldnsd runs on Linux only.");
        }
        File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var zones = string.Join(' ', _zones.Select(z => $"{z.Key.Zone}:{z.Key.Type}:{Path.GetFileName(z.Value)}"));
        var user = Environment.UserName == "root" ? "-u rbldns " : "";
        _server = Process.Start(new ProcessStartInfo("/usr/sbin/rbldnsd", $"-n -q {user}-b 127.0.0.1/{Port} -r {_dir} {zones}")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        for (var i = 0; i < 50; i++)
        {
            if (await AnswersAsync())
            {
                return;
            }
            await Task.Delay(100);
        }
        throw new InvalidOperationException($"rbldnsd did not answer on {Endpoint}: {await _server.StandardError.ReadToEndAsync()}");
    }

    private async Task<bool> AnswersAsync()
    {
        var resolver = new PrPortal.Infrastructure.Dns.DnsClientResolver(new PrPortal.Infrastructure.Dns.DnsOptions { Servers = [Endpoint], TimeoutSeconds = 0.3, Retries = 0 });
        var answer = await resolver.AddressesAsync("2.0.0.127.zen.test", CancellationToken.None);
        return answer.Status == PrPortal.Infrastructure.Dns.DnsStatus.Ok;
    }

    public Task DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill();
            _server.WaitForExit(5000);
        }
        _server?.Dispose();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }
}
