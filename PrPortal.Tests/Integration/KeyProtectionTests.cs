using Microsoft.AspNetCore.DataProtection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration;

/// <summary>The data-protection keys (they protect the DKIM private keys) lie encrypted beside the database when a certificate is configured.</summary>
[Trait("Category", "Integration")]
public sealed class KeyProtectionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("prportal-keys-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Dictionary<string, string> Environment(string database) => new()
    {
        ["ConnectionStrings__Portal"] = $"Data Source={Path.Combine(_folder, database)}",
        ["Demo__Scale"] = "0.02",
        ["Seed__AdminPassword"] = "Verb-Admin-Pass-1!",
    };

    private string Certificate(string password)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=PrPortal data protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
        var path = Path.Combine(_folder, "keys.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
        return path;
    }

    private static string KeyXml(string keys) => string.Join("\n", Directory.GetFiles(keys, "key-*.xml").Select(File.ReadAllText));

    [Fact]
    public async Task With_a_certificate_the_keys_are_encrypted_and_the_dkim_keys_still_read_back()
    {
        var environment = Environment("a/portal.db");
        environment["DataProtection__CertificatePath"] = Certificate("cert-pass-123");
        environment["DataProtection__CertificatePassword"] = "cert-pass-123";

        var seeded = await PortalProcess.RunAsync(environment, "seed-demo");
        Assert.True(seeded.ExitCode == 0, seeded.Stderr);
        var xml = KeyXml(Path.Combine(_folder, "a", "keys"));
        Assert.Contains("EncryptedData", xml);
        Assert.DoesNotContain("<masterKey", xml);
        Assert.DoesNotContain("only file-protected", seeded.Stderr);

        // With the same certificate (and only with it) the stored DKIM private keys read back.
        using var certificate = X509CertificateLoader.LoadPkcs12FromFile(environment["DataProtection__CertificatePath"], "cert-pass-123");
        var keys = new DirectoryInfo(Path.Combine(_folder, "a", "keys"));
        var provider = Microsoft.AspNetCore.DataProtection.DataProtectionProvider.Create(keys, b => b.SetApplicationName("PrPortal").UnprotectKeysWithAnyCertificate(certificate));
        string stored;
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_folder, "a", "portal.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT DkimPrivateKeyProtected FROM SenderDomains LIMIT 1";
            stored = (string)(await command.ExecuteScalarAsync())!;
        }
        var pem = new Features.SenderAuth.DkimKeys(provider).Unprotect(stored);
        Assert.StartsWith("-----BEGIN", pem);
        var withoutCertificate = new Features.SenderAuth.DkimKeys(Microsoft.AspNetCore.DataProtection.DataProtectionProvider.Create(keys, b => b.SetApplicationName("PrPortal")));
        Assert.ThrowsAny<CryptographicException>(() => withoutCertificate.Unprotect(stored));
    }

    [Fact]
    public async Task Without_one_the_keys_are_only_file_protected_and_start_up_says_so()
    {
        var environment = Environment("b/portal.db");
        environment["Logging__LogLevel__Default"] = "Warning";
        await using var portal = await PortalProcess.StartWebAsync(environment);
        var stderr = await portal.StopAsync();
        Assert.Contains("only file-protected", stderr);
        Assert.Contains("<masterKey", KeyXml(Path.Combine(_folder, "b", "keys")));
    }

    [Theory]
    [InlineData("missing.pfx", "x", "does not exist")]
    [InlineData("keys.pfx", "wrong-password", "cannot be read")]
    public async Task A_certificate_that_cannot_be_used_stops_start_up_with_one_line(string file, string password, string says)
    {
        Certificate("cert-pass-123");
        var environment = Environment("c/portal.db");
        environment["DataProtection__CertificatePath"] = Path.Combine(_folder, file);
        environment["DataProtection__CertificatePassword"] = password;

        var run = await PortalProcess.RunAsync(environment, "resend", "list");

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Stderr.Trim().Split('\n'));
        Assert.Contains("'DataProtection:CertificatePath'", line);
        Assert.Contains(says, line);
    }
}
