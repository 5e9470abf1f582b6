using System.Diagnostics;
using MimeKit;

namespace PrPortal.Tests.Support;

/// <summary>
/// Postfix's smtp-sink on 127.0.0.1: accepts every mail and writes each transaction to a file of its
/// own (-d), so a test counts what really arrived by Message-ID. Only files holding a whole message
/// (its last MIME boundary) count: a transaction cut off mid-DATA was never accepted.
/// </summary>
public sealed class SmtpSink : IDisposable
{
    public const string Program = "/usr/sbin/smtp-sink";
    private readonly Process _process;

    public SmtpSink()
    {
        Directory.CreateDirectory(Folder);
        var start = new ProcessStartInfo(Program) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        if (OperatingSystem.IsLinux() && Environment.UserName == "root")
        {
            // smtp-sink refuses to keep root's privileges: it writes its files as nobody.
            File.SetUnixFileMode(Folder, (UnixFileMode)0b111_111_111);
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add("nobody");
        }
        start.ArgumentList.Add("-d");
        start.ArgumentList.Add(Path.Combine(Folder, "%H%M%S."));
        start.ArgumentList.Add($"127.0.0.1:{Port}");
        start.ArgumentList.Add("256");
        _process = Process.Start(start)!;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!Listening())
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"smtp-sink did not start: {(_process.HasExited ? _process.StandardError.ReadToEnd() : "no answer")}");
            }
            Thread.Sleep(50);
        }
    }

    public int Port { get; } = LoopbackPorts.Free();
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "prportal-smtp-sink-" + Guid.NewGuid().ToString("N")[..8]);
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>How many whole messages arrived under each Message-ID (without angle brackets).</summary>
    public Dictionary<string, int> CountByMessageId()
    {
        var counts = new Dictionary<string, int>();
        foreach (var file in Directory.EnumerateFiles(Folder))
        {
            MimeMessage message;
            try
            {
                message = MimeMessage.Load(file);
            }
            catch (FormatException)
            {
                continue;
            }
            if (message.MessageId is not { } id || !Whole(file, message))
            {
                continue;
            }
            counts[id] = counts.GetValueOrDefault(id) + 1;
        }
        return counts;
    }

    private static bool Whole(string file, MimeMessage message) =>
        message.Body is not Multipart multipart || File.ReadAllText(file).Contains($"--{multipart.Boundary}--", StringComparison.Ordinal);

    private bool Listening()
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            client.Connect("127.0.0.1", Port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        try
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
