using System.Diagnostics;

namespace PrPortal.Tests.Integration.SenderAuth;

/// <summary>
/// Debian's opendkim as the independent verifier: `opendkim -x CONF -t FILE` with the public key given
/// by TestPublicKeys instead of DNS. It exits 0 whether or not the signature verifies, so the verdict is
/// read from what it prints.
/// </summary>
public static class OpenDkim
{
    public const string Path = "/usr/sbin/opendkim";

    public sealed record Verdict(bool Verified, string Output);

    public static async Task<Verdict> VerifyAsync(byte[] message, string recordName, string keyRecord)
    {
        var folder = Directory.CreateTempSubdirectory("prportal-opendkim-").FullName;
        try
        {
            var keys = System.IO.Path.Combine(folder, "keys");
            var conf = System.IO.Path.Combine(folder, "opendkim.conf");
            var file = System.IO.Path.Combine(folder, "message.eml");
            await File.WriteAllTextAsync(keys, $"{recordName} {keyRecord}\n");
            await File.WriteAllTextAsync(conf, $"Mode v\nSyslog no\nTestPublicKeys {keys}\n");
            await File.WriteAllBytesAsync(file, message);
            using var process = Process.Start(new ProcessStartInfo(Path, ["-x", conf, "-t", file])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var output = (await stdout + await stderr).Trim();
            return new Verdict(output.Contains("verification", StringComparison.Ordinal) && output.Contains(") succeeded", StringComparison.Ordinal), output);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
