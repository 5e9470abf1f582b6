using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using System.Net;
using System.Net.Sockets;

namespace PrPortal.Tests.Support;

/// <summary>
/// A real IMAP server for the bounce mailbox: Debian's dovecot started on loopback with a throw-away
/// configuration (one user, maildir in a temporary folder), stopped after the tests.
/// </summary>
public sealed class DovecotFixture : IAsyncLifetime
{
    public const string User = "bounces@prportal.example";
    public const string Password = "bounce-mailbox-secret";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "prportal-dovecot-" + Guid.NewGuid().ToString("N")[..8]);
    private Process? _dovecot;

    public int Port { get; } = LoopbackPorts.Free();

    /// <summary>The demo portal with its bounce mailbox on this dovecot (loopback, no TLS).</summary>
    public Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> PortalOn(DemoPortalFactory demo, params (string Key, string Value)[] more) =>
        demo.WithWebHostBuilder(b =>
        {
            b.UseSetting("BounceMailbox:Host", "127.0.0.1");
            b.UseSetting("BounceMailbox:Port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            b.UseSetting("BounceMailbox:Security", "none");
            b.UseSetting("BounceMailbox:Username", User);
            b.UseSetting("BounceMailbox:Password", Password);
            foreach (var (key, value) in more)
            {
                b.UseSetting(key, value);
            }
        });

    public async Task InitializeAsync()
    {
        if (!File.Exists("/usr/sbin/dovecot"))
        {
            throw new InvalidOperationException("dovecot is not installed: ./test.sh installs dovecot-imapd");
        }
        Directory.CreateDirectory(Path.Combine(_dir, "run"));
        Directory.CreateDirectory(Path.Combine(_dir, "state"));
        Directory.CreateDirectory(Path.Combine(_dir, "home"));
        await File.WriteAllTextAsync(Path.Combine(_dir, "users"), $"{User}:{{PLAIN}}{Password}\n");
        await File.WriteAllTextAsync(Path.Combine(_dir, "dovecot.conf"), $$"""
            protocols = imap
            listen = 127.0.0.1
            base_dir = {{_dir}}/run
            state_dir = {{_dir}}/state
            log_path = {{_dir}}/dovecot.log
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{_dir}}/users
            }
            userdb {
              driver = static
              args = uid=nobody gid=nogroup home={{_dir}}/home/%u
            }
            mail_location = maildir:~/Maildir
            service imap-login {
              chroot =
              inet_listener imap {
                address = 127.0.0.1
                port = {{Port}}
              }
              inet_listener imaps {
                port = 0
              }
            }
            service anvil {
              chroot =
            }
            default_login_user = dovenull
            default_internal_user = dovecot
            """);
        // Dovecot switches to 'nobody' for the mailbox: that user must be able to reach and write it.
        await Run("chown", $"-R nobody:nogroup {_dir}/home");
        await Run("chmod", $"755 {_dir}");
        _dovecot = Process.Start(new ProcessStartInfo("/usr/sbin/dovecot", $"-F -c {_dir}/dovecot.conf") { RedirectStandardError = true, RedirectStandardOutput = true })!;
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new InvalidOperationException($"dovecot did not listen on {Port}: {await File.ReadAllTextAsync(Path.Combine(_dir, "dovecot.log"))}");
    }

    public Task DisposeAsync()
    {
        if (_dovecot is { HasExited: false })
        {
            _dovecot.Kill(entireProcessTree: true);
            _dovecot.WaitForExit(5000);
        }
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // dovecot's last writes may race the deletion; the folder is temporary anyway
        }
        return Task.CompletedTask;
    }

    private static async Task Run(string file, string args)
    {
        using var process = Process.Start(file, args);
        await process.WaitForExitAsync();
    }

}
