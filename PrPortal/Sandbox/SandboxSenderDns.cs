using Microsoft.EntityFrameworkCore;
using PrPortal.Features.DemoWorld;
using PrPortal.Features.SenderAuth;
using PrPortal.Sandbox.Dns;
using static PrPortal.Features.DemoWorld.DemoWorldCatalog;

namespace PrPortal.Sandbox;

/// <summary>
/// The sandbox's part of sender authentication: our own SPF record (every sending IP) and, for the
/// demo companies' domains, what each company's DNS administrator published (see
/// <see cref="DemoWorldCatalog.SenderDomains"/>): right, forgetting the spare IPs, never publishing
/// our DKIM key, or revoking it.
/// </summary>
public static class SandboxSenderDns
{
    public sealed record Registered(string Domain, string Selector, string PublicKey);

    /// <summary>Our SPF record from the enabled sending IPs, and the demo companies' records for the domains registered.</summary>
    public static async Task PublishAsync(SandboxZones zones, Data.PortalDbContext db, string spfInclude, CancellationToken cancellationToken)
    {
        var ips = await db.SendingIps.AsNoTracking().Where(i => i.Enabled).OrderBy(i => i.Id).Select(i => new { i.Address, i.Role }).ToListAsync(cancellationToken);
        var registered = await db.SenderDomains.AsNoTracking().Select(d => new Registered(d.Domain, d.Selector, d.DkimPublicKey)).ToListAsync(cancellationToken);
        PublishOurSpf(zones, spfInclude, ips.Select(i => i.Address));
        PublishDemoCompanies(zones, spfInclude, ips.Where(i => i.Role == Data.Entities.SendingIpRole.Primary).Select(i => i.Address).ToList(), registered);
    }

    public static void PublishOurSpf(SandboxZones zones, string spfInclude, IEnumerable<string> sendingIps) =>
        zones.SetTxt(spfInclude, "v=spf1 " + string.Join(' ', sendingIps.Select(ip => "ip4:" + ip)) + " -all");

    public static void PublishDemoCompanies(SandboxZones zones, string spfInclude, IReadOnlyList<string> primaryIps, IEnumerable<Registered> registered)
    {
        var byDomain = registered.ToDictionary(r => r.Domain, StringComparer.OrdinalIgnoreCase);
        foreach (var (index, setup) in SenderDomains)
        {
            var domain = CompanyDomain(index);
            if (!byDomain.TryGetValue(domain, out var key))
            {
                continue;
            }
            var dkimName = DkimCheck.RecordName(key.Selector, domain);
            var include = $"v=spf1 include:{spfInclude} -all";
            switch (setup)
            {
                case SenderDnsSetup.Complete:
                    zones.SetTxt(domain, include, "google-site-verification=demo");
                    zones.SetTxt(dkimName, DkimKeys.Record(key.PublicKey));
                    zones.SetTxt("_dmarc." + domain, $"v=DMARC1; p=reject; adkim=r; aspf=r; rua=mailto:dmarc@{domain}");
                    break;
                case SenderDnsSetup.CompleteWithoutDmarc:
                    zones.SetTxt(domain, include);
                    zones.SetTxt(dkimName, DkimKeys.Record(key.PublicKey));
                    break;
                case SenderDnsSetup.SpfWithoutSpares:
                    zones.SetTxt(domain, "v=spf1 " + string.Join(' ', primaryIps.Select(ip => "ip4:" + ip)) + " ~all");
                    zones.SetTxt(dkimName, DkimKeys.Record(key.PublicKey));
                    zones.SetTxt("_dmarc." + domain, "v=DMARC1; p=none");
                    break;
                case SenderDnsSetup.DkimNotPublished:
                    zones.SetTxt(domain, include);
                    zones.SetTxt("_dmarc." + domain, "v=DMARC1; p=quarantine; adkim=s");
                    break;
                case SenderDnsSetup.DkimRevoked:
                    zones.SetTxt(domain, include);
                    zones.SetTxt(dkimName, "v=DKIM1; k=rsa; p=");
                    break;
            }
        }
    }
}
