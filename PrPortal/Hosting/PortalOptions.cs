using System.Net.Mail;
using Microsoft.Data.Sqlite;

namespace PrPortal.Hosting;

/// <summary>Section "Demo": the demo world filled in on first start.</summary>
public sealed record DemoOptions
{
    public bool Enabled { get; init; } = true;
    /// <summary>Share of the full demo world's size (1 = about 200 companies, 2,000 releases).</summary>
    public double Scale { get; init; } = 1.0;
    /// <summary>After seeding, the detector reads the demo's attempts, so the incident is open on first start.</summary>
    public bool DetectIncident { get; init; } = true;
}

/// <summary>Section "Seed": the first administrator.</summary>
public sealed record SeedOptions
{
    public string AdminEmail { get; init; } = "admin@prportal.local";
    public string? AdminPassword { get; init; }
}

/// <summary>
/// An options class that checks its own values; its checks live beside it. <see cref="PortalConfiguration.Bind{T}"/>
/// runs them at start-up, so a bad value stops start-up (and every verb) with one line naming the key.
/// </summary>
public interface IValidatedOptions
{
    /// <summary>Each problem: the key within the section, and what is wrong with its value.</summary>
    IEnumerable<(string Key, string Problem)> Validate();
}

/// <summary>Section "ForwardedHeaders": the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed.</summary>
public sealed record ForwardedHeadersSettings : IValidatedOptions
{
    public List<string> KnownProxies { get; init; } = [];
    /// <summary>Proxy networks in CIDR form, e.g. "10.0.0.0/8".</summary>
    public List<string> KnownNetworks { get; init; } = [];
    public int ForwardLimit { get; init; } = 1;

    public IEnumerable<(string Key, string Problem)> Validate()
    {
        foreach (var (proxy, i) in KnownProxies.Select((p, i) => (p, i)).Where(x => !System.Net.IPAddress.TryParse(x.p, out _)))
        {
            yield return ($"KnownProxies:{i}", $"is not an IP address: '{proxy}'");
        }
        foreach (var (network, i) in KnownNetworks.Select((n, i) => (n, i)).Where(x => !System.Net.IPNetwork.TryParse(x.n, out _)))
        {
            yield return ($"KnownNetworks:{i}", $"is not a network in CIDR form: '{network}'");
        }
        if (ForwardLimit is < 1 or > 10)
        {
            yield return (nameof(ForwardLimit), $"must be 1 to 10 (is {ForwardLimit})");
        }
    }
}

/// <summary>Section "DataProtection": a PKCS#12 file; its password only from the environment (DataProtection__CertificatePassword).</summary>
public sealed record KeyProtectionSettings
{
    public string? CertificatePath { get; init; }
    public string? CertificatePassword { get; init; }
}

public sealed record KeyProtection(System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate, string KeyFolder);

/// <summary>Reads and checks configuration once at start-up; a bad value stops start-up naming its key.</summary>
public static class PortalConfiguration
{
    public static DemoOptions ReadDemo(IConfiguration configuration)
    {
        var demo = Bind<DemoOptions>(configuration, "Demo");
        if (demo.Scale is <= 0 or > 1 || double.IsNaN(demo.Scale))
        {
            throw new StartupException($"Configuration key 'Demo:Scale' must be greater than 0 and at most 1, got '{configuration["Demo:Scale"]}'.");
        }
        return demo;
    }

    public static SeedOptions ReadSeed(IConfiguration configuration)
    {
        var seed = Bind<SeedOptions>(configuration, "Seed");
        if (!MailAddress.TryCreate(seed.AdminEmail, out _))
        {
            throw new StartupException($"Configuration key 'Seed:AdminEmail' must be an e-mail address, got '{seed.AdminEmail}'.");
        }
        return seed;
    }

    public static Infrastructure.Dns.DnsOptions ReadDns(IConfiguration configuration)
    {
        var dns = Bind<Infrastructure.Dns.DnsOptions>(configuration, "Dns");
        foreach (var server in dns.Servers)
        {
            try
            {
                Infrastructure.Dns.DnsOptions.Parse(server);
            }
            catch (FormatException e)
            {
                throw new StartupException($"Configuration key 'Dns:Servers' has a bad entry: {e.Message}");
            }
        }
        if (dns.TimeoutSeconds is <= 0 or > 60)
        {
            throw new StartupException($"Configuration key 'Dns:TimeoutSeconds' must be between 0 and 60, got '{configuration["Dns:TimeoutSeconds"]}'.");
        }
        return dns;
    }

    public static Features.Blocklists.BlocklistOptions ReadBlocklists(IConfiguration configuration)
    {
        var options = Bind<Features.Blocklists.BlocklistOptions>(configuration, "Blocklists");
        foreach (var server in options.DnsServers)
        {
            try
            {
                Infrastructure.Dns.DnsOptions.Parse(server);
            }
            catch (FormatException e)
            {
                throw new StartupException($"Configuration key 'Blocklists:DnsServers': {e.Message}");
            }
        }
        if (options.TimeoutSeconds is <= 0 or > 30 || options.Retries is < 0 or > 5 || options.MaxConcurrency is < 1 or > 1024)
        {
            throw new StartupException("Configuration keys 'Blocklists:TimeoutSeconds' (0–30), 'Blocklists:Retries' (0–5) and 'Blocklists:MaxConcurrency' (1–1024) are out of range.");
        }
        return options;
    }

    public static Features.Blocklists.Snds.SndsOptions ReadSnds(IConfiguration configuration)
    {
        var snds = Bind<Features.Blocklists.Snds.SndsOptions>(configuration, "Snds");
        if (!Uri.TryCreate(snds.BaseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new StartupException($"Configuration key 'Snds:BaseUrl' must be an http(s) URL, got '{snds.BaseUrl}'.");
        }
        if (snds.TimeoutSeconds is <= 0 or > 600)
        {
            throw new StartupException("Configuration key 'Snds:TimeoutSeconds' must be between 0 and 600.");
        }
        return snds;
    }

    public static Features.IpPool.RoutingOptions ReadRouting(IConfiguration configuration)
    {
        var routing = Bind<Features.IpPool.RoutingOptions>(configuration, "Routing");
        if (routing.SpareThreshold is < 0 or > 1)
        {
            throw new StartupException($"Configuration key 'Routing:SpareThreshold' must be a share between 0 and 1, got {routing.SpareThreshold}.");
        }
        return routing;
    }

    public static Features.IpPool.RecoveryOptions ReadRecovery(IConfiguration configuration, Sandbox.SandboxOptions sandbox)
    {
        var recovery = Bind<Features.IpPool.RecoveryOptions>(configuration, "Recovery");
        if (recovery.ProbesToConfirm is < 1 or > 100)
        {
            throw new StartupException("Configuration key 'Recovery:ProbesToConfirm' must be 1–100.");
        }
        foreach (var (provider, addresses) in recovery.ProbeRecipients)
        {
            if (addresses.Any(a => !System.Net.Mail.MailAddress.TryCreate(a, out _)))
            {
                throw new StartupException($"Configuration key 'Recovery:ProbeRecipients:{provider}' holds an address that is not an e-mail address.");
            }
        }
        if (sandbox.Enabled == true && recovery.ProbeRecipients.Count == 0)
        {
            // In the sandbox every provider has a probe mailbox at one of its demo domains.
            recovery = recovery with
            {
                ProbeRecipients = Features.DemoWorld.DemoWorldCatalog.DomainsByProvider()
                    .ToDictionary(p => p.Key, p => new[] { $"recovery-probe@{p.Value.First().Domain}" }),
            };
        }
        return recovery;
    }

    public static Features.Delivery.DeliveryOptions ReadDelivery(IConfiguration configuration)
    {
        var delivery = Bind<Features.Delivery.DeliveryOptions>(configuration, "Delivery");
        if (delivery.Mode is not ("direct" or "relay"))
        {
            throw new StartupException($"Configuration key 'Delivery:Mode' must be 'direct' or 'relay', got '{delivery.Mode}'.");
        }
        if (delivery.SmtpPort is <= 0 or > 65535)
        {
            throw new StartupException($"Configuration key 'Delivery:SmtpPort' must be a port number, got '{delivery.SmtpPort}'.");
        }
        if (delivery.MaxConnectionsPerIp <= 0 || delivery.MaxConnectionsPerProvider <= 0)
        {
            throw new StartupException("Configuration keys 'Delivery:MaxConnectionsPerIp' and 'Delivery:MaxConnectionsPerProvider' must be at least 1.");
        }
        if (delivery.IsRelay && delivery.Relays.Count == 0)
        {
            throw new StartupException("Configuration key 'Delivery:Relays' needs a relay per pool (Primary, Spare) when Delivery:Mode is 'relay'.");
        }
        return delivery;
    }

    public static Sandbox.SandboxOptions ReadSandbox(IConfiguration configuration, DemoOptions demo)
    {
        var sandbox = Bind<Sandbox.SandboxOptions>(configuration, "Sandbox");
        if (!System.Net.IPAddress.TryParse(sandbox.SimulatorNetwork, out var network) || network.GetAddressBytes()[0] != 127)
        {
            throw new StartupException($"Configuration key 'Sandbox:SimulatorNetwork' must be a loopback address (127.x.y.0), got '{sandbox.SimulatorNetwork}'.");
        }
        return sandbox with { Enabled = sandbox.Enabled ?? demo.Enabled };
    }

    public static Features.SendLog.SendLogOptions ReadSendLog(IConfiguration configuration)
    {
        var sendLog = Bind<Features.SendLog.SendLogOptions>(configuration, "SendLog");
        try
        {
            var pattern = new System.Text.RegularExpressions.Regex(sendLog.DeliveryPattern);
            if (!pattern.GetGroupNames().Contains("delivery"))
            {
                throw new StartupException("Configuration key 'SendLog:DeliveryPattern' needs a group named 'delivery'.");
            }
        }
        catch (ArgumentException e)
        {
            throw new StartupException($"Configuration key 'SendLog:DeliveryPattern' is not a regular expression: {e.Message}");
        }
        foreach (var (follow, i) in sendLog.Follow.Select((f, i) => (f, i)))
        {
            if (string.IsNullOrWhiteSpace(follow.Path) || follow.Format is not ("postfix" or "jsonl"))
            {
                throw new StartupException($"Configuration key 'SendLog:Follow:{i}' needs a Path and a Format of postfix or jsonl.");
            }
        }
        if (sendLog.BatchSize is < 1 or > 100_000)
        {
            throw new StartupException("Configuration key 'SendLog:BatchSize' must be between 1 and 100000.");
        }
        return sendLog;
    }

    public static Features.Incidents.DetectorOptions ReadDetection(IConfiguration configuration)
    {
        var section = configuration.GetSection("Detection");
        var defaults = new Features.Incidents.DetectorOptions();
        int Int(string key, int fallback, int min, int max = int.MaxValue)
        {
            var raw = section[key];
            if (raw is null)
            {
                return fallback;
            }
            return int.TryParse(raw, out var value) && value >= min && value <= max
                ? value
                : throw new StartupException(max == int.MaxValue
                    ? $"Configuration key 'Detection:{key}' must be a whole number of at least {min}, got '{raw}'."
                    : $"Configuration key 'Detection:{key}' must be a whole number from {min} to {max}, got '{raw}'.");
        }
        return defaults with
        {
            MinBlockRecipients = Int("MinBlockRecipients", defaults.MinBlockRecipients, 1),
            BlockWindow = TimeSpan.FromMinutes(Int("BlockWindowMinutes", (int)defaults.BlockWindow.TotalMinutes, 1)),
            ProviderBlockWindow = TimeSpan.FromMinutes(Int("ProviderBlockWindowMinutes", (int)defaults.ProviderBlockWindow.TotalMinutes, 1)),
            ProviderBlockShare = Int("ProviderBlockPercent", (int)(defaults.ProviderBlockShare * 100), 1, 100) / 100.0,
            RateWindow = TimeSpan.FromMinutes(Int("RateWindowMinutes", (int)defaults.RateWindow.TotalMinutes, 1)),
            MinVolume = Int("MinVolume", defaults.MinVolume, 1),
            RecoveryAcceptances = Int("RecoveryAcceptances", defaults.RecoveryAcceptances, 1),
            Silence = TimeSpan.FromMinutes(Int("SilenceMinutes", (int)defaults.Silence.TotalMinutes, 1)),
            SilenceMinVolume = Int("SilenceMinVolume", defaults.SilenceMinVolume, 1),
        };
    }

    public static Features.Api.ApiOptions ReadApi(IConfiguration configuration)
    {
        var api = Bind<Features.Api.ApiOptions>(configuration, "Api");
        foreach (var (key, i) in api.Keys.Select((k, i) => (k, i)))
        {
            if (string.IsNullOrWhiteSpace(key.Name) || key.Sha256.Length != 64 || !key.Sha256.All(Uri.IsHexDigit))
            {
                throw new StartupException($"Configuration key 'Api:Keys:{i}' needs a Name and the key's Sha256 (64 hex digits); create one with the verb api-key.");
            }
        }
        return api;
    }

    public static Features.Alerts.AlertOptions ReadAlerts(IConfiguration configuration)
    {
        var alerts = Bind<Features.Alerts.AlertOptions>(configuration, "Alerts");
        if (alerts.Webhook.Enabled && !Uri.TryCreate(alerts.Webhook.Url, UriKind.Absolute, out var url) | (url?.Scheme is not ("http" or "https")))
        {
            throw new StartupException($"Configuration key 'Alerts:Webhook:Url' must be an http(s) URL, got '{alerts.Webhook.Url}'.");
        }
        if (alerts.Webhook.Format is not ("json" or "slack"))
        {
            throw new StartupException($"Configuration key 'Alerts:Webhook:Format' must be 'json' or 'slack', got '{alerts.Webhook.Format}'.");
        }
        foreach (var to in alerts.Email.To.Append(alerts.Email.From))
        {
            if (!MailAddress.TryCreate(to, out _))
            {
                throw new StartupException($"Configuration key 'Alerts:Email' has a bad address '{to}'.");
            }
        }
        return alerts;
    }

    public static ScheduleOptions ReadSchedules(IConfiguration configuration) => Bind<ScheduleOptions>(configuration, "Schedules");

    public static ForwardedHeadersSettings ReadForwardedHeaders(IConfiguration configuration) => Bind<ForwardedHeadersSettings>(configuration, "ForwardedHeaders");

    /// <summary>The certificate that encrypts the data-protection keys at rest; none configured: file protection only (start-up says so).</summary>
    public static KeyProtection ReadKeyProtection(IConfiguration configuration, string contentRoot)
    {
        var settings = Bind<KeyProtectionSettings>(configuration, "DataProtection");
        if (string.IsNullOrWhiteSpace(settings.CertificatePath))
        {
            return new KeyProtection(null, "");
        }
        var path = Path.GetFullPath(settings.CertificatePath, contentRoot);
        if (!File.Exists(path))
        {
            throw new StartupException($"Configuration key 'DataProtection:CertificatePath' names '{path}', which does not exist.");
        }
        try
        {
            var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(path, settings.CertificatePassword);
            if (!certificate.HasPrivateKey)
            {
                throw new StartupException($"Configuration key 'DataProtection:CertificatePath': '{path}' holds no private key (a PKCS#12 file with its key is needed).");
            }
            return new KeyProtection(certificate, "");
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new StartupException($"Configuration key 'DataProtection:CertificatePath': '{path}' cannot be read as a PKCS#12 certificate ({e.Message}); check DataProtection__CertificatePassword.");
        }
    }

    /// <summary>The SQLite connection string; a relative file name is taken from the content root.</summary>
    public static string ReadConnectionString(IConfiguration configuration, string contentRoot)
    {
        var configured = configuration.GetConnectionString("Portal");
        SqliteConnectionStringBuilder builder;
        try
        {
            builder = new SqliteConnectionStringBuilder(string.IsNullOrWhiteSpace(configured)
                ? "Data Source=data/prportal.db"
                : configured);
        }
        catch (ArgumentException e)
        {
            throw new StartupException($"Configuration key 'ConnectionStrings:Portal' is not a valid SQLite connection string: {e.Message}");
        }

        if (string.IsNullOrWhiteSpace(builder.DataSource))
        {
            throw new StartupException("Configuration key 'ConnectionStrings:Portal' names no database file (Data Source).");
        }
        if (builder.DataSource != ":memory:" && !Path.IsPathRooted(builder.DataSource))
        {
            builder.DataSource = Path.GetFullPath(Path.Combine(contentRoot, builder.DataSource));
        }
        return builder.ToString();
    }

    public static Features.LinkRisk.LinkRiskOptions ReadLinkRisk(IConfiguration configuration)
    {
        var options = Bind<Features.LinkRisk.LinkRiskOptions>(configuration, "LinkRisk");
        try
        {
            _ = new Features.LinkRisk.AddressPolicy(options);
        }
        catch (FormatException e)
        {
            throw new StartupException($"Configuration key 'LinkRisk:AllowedTestRanges': {e.Message}");
        }
        if (options.TotalSeconds <= 0 || options.HopSeconds <= 0 || options.MaxHops < 1 || options.MaxConcurrency < 1)
        {
            throw new StartupException("Configuration section 'LinkRisk': TotalSeconds and HopSeconds must be above 0, MaxHops and MaxConcurrency at least 1.");
        }
        return options;
    }

    public static T Bind<T>(IConfiguration configuration, string section) where T : new()
    {
        T options;
        try
        {
            options = configuration.GetSection(section).Get<T>() ?? new T();
        }
        catch (InvalidOperationException e)
        {
            // The binder names the key and the value, e.g. "… value 'maybe' at 'Demo:Enabled' …".
            throw new StartupException($"Configuration section '{section}' is invalid: {e.Message}");
        }
        // The one place a validation failure becomes the one-line error (exit code 2).
        if (options is IValidatedOptions validated && validated.Validate().FirstOrDefault() is { Key: not null } problem)
        {
            throw new StartupException($"Configuration key '{section}:{problem.Key}' {problem.Problem}.");
        }
        return options;
    }
}
