using System.Security.Cryptography;
using PrPortal.Features.SenderAuth;
using PrPortal.Infrastructure.Dns;

namespace PrPortal.Tests.Unit.SenderAuth;

/// <summary>What customers publish for DKIM and DMARC, right and wrong, read as receivers read it.</summary>
[Trait("Category", "Unit")]
public sealed class DkimDmarcTests
{
    private static readonly DkimKeyPair Ours = DkimKeys.Generate();

    private static DnsAnswer<string> Txt(params string[] records) =>
        new(records.Length == 0 ? DnsStatus.NoRecords : DnsStatus.Ok, records, TimeSpan.Zero);

    private static DkimCheckResult Dkim(DnsAnswer<string> answer) => DkimCheck.Evaluate("prp202611", "customer.example.jp", Ours.PublicKey, answer);

    [Fact]
    public void Our_key_published_passes_and_the_record_to_publish_is_named_by_selector()
    {
        var result = Dkim(Txt(DkimKeys.Record(Ours.PublicKey)));
        Assert.Equal(DkimStatus.Ok, result.Status);
        Assert.Equal(2048, result.KeyBits);
        Assert.Equal("prp202611._domainkey.customer.example.jp", result.Name);
        Assert.Equal($"v=DKIM1; k=rsa; p={Ours.PublicKey}", result.Expected);
    }

    [Fact]
    public void A_key_split_over_strings_with_spaces_is_still_ours()
    {
        var spaced = string.Join(' ', Ours.PublicKey.Chunk(64).Select(c => new string(c)));
        Assert.Equal(DkimStatus.Ok, Dkim(Txt($"v=DKIM1; k=rsa; p={spaced}")).Status);
    }

    [Fact]
    public void An_empty_p_is_a_revoked_key()
    {
        var result = Dkim(Txt("v=DKIM1; k=rsa; p="));
        Assert.Equal(DkimStatus.Revoked, result.Status);
        Assert.Contains("revoked", result.Reason);
    }

    [Fact]
    public void A_512_bit_key_is_named_as_too_weak()
    {
        using var rsa = RSA.Create(512);
        var result = Dkim(Txt($"v=DKIM1; k=rsa; p={Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())}"));
        Assert.Equal(DkimStatus.WeakKey, result.Status);
        Assert.Equal(512, result.KeyBits);
        Assert.Contains("512 bits", result.Reason);
    }

    [Fact]
    public void Someone_elses_key_missing_records_garbage_and_timeouts_are_told_apart()
    {
        Assert.Equal(DkimStatus.Mismatch, Dkim(Txt(DkimKeys.Record(DkimKeys.Generate().PublicKey))).Status);
        Assert.Equal(DkimStatus.Missing, Dkim(new DnsAnswer<string>(DnsStatus.NxDomain, [], TimeSpan.Zero)).Status);
        Assert.Equal(DkimStatus.Malformed, Dkim(Txt("v=DKIM1; k=rsa; p=not-base64!")).Status);
        Assert.Equal(DkimStatus.Malformed, Dkim(Txt("just some text")).Status);
        Assert.Equal(DkimStatus.Malformed, Dkim(Txt(DkimKeys.Record(Ours.PublicKey), DkimKeys.Record(Ours.PublicKey))).Status);
        var timeout = Dkim(DnsAnswer<string>.Failure("TXT prp202611._domainkey.customer.example.jp: timeout"));
        Assert.Equal(DkimStatus.TempError, timeout.Status);
        Assert.False(timeout.Ok);
    }

    [Theory]
    [InlineData("news.customer.co.jp", "customer.co.jp")]
    [InlineData("customer.co.jp", "customer.co.jp")]
    [InlineData("a.b.customer.com", "customer.com")]
    [InlineData("www.city.kawasaki.jp", "city.kawasaki.jp")] // exception rule !city.kawasaki.jp under *.kawasaki.jp
    [InlineData("shop.foo.kawasaki.jp", "shop.foo.kawasaki.jp")] // wildcard *.kawasaki.jp: foo.kawasaki.jp is a suffix
    [InlineData("co.jp", "co.jp")]
    public void The_organisational_domain_comes_from_the_public_suffix_list(string domain, string expected) =>
        Assert.Equal(expected, PublicSuffixList.Default.OrganizationalDomain(domain));

    private sealed class Zone(Dictionary<string, string[]> txt) : ISpfDns
    {
        public Task<DnsAnswer<string>> TxtAsync(string name, CancellationToken cancellationToken) =>
            Task.FromResult(txt.TryGetValue(name, out var records)
                ? records.Length == 1 && records[0] == "TIMEOUT" ? DnsAnswer<string>.Failure("timeout") : new DnsAnswer<string>(DnsStatus.Ok, records, TimeSpan.Zero)
                : new DnsAnswer<string>(DnsStatus.NxDomain, [], TimeSpan.Zero));
        public Task<DnsAnswer<System.Net.IPAddress>> AAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<DnsAnswer<System.Net.IPAddress>> AaaaAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<DnsAnswer<MxHost>> MxAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<DnsAnswer<string>> PtrAsync(System.Net.IPAddress address, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private static Task<DmarcCheckResult> Dmarc(Dictionary<string, string[]> txt, string from = "news.customer.co.jp", bool dkimPublished = true) =>
        DmarcCheck.CheckAsync(new Zone(txt), PublicSuffixList.Default, from, from, dkimPublished, "bounce.prportal.example", default);

    [Fact]
    public async Task A_subdomain_without_its_own_record_falls_back_to_the_organisational_domain_and_its_sp()
    {
        var result = await Dmarc(new() { ["_dmarc.customer.co.jp"] = ["v=DMARC1; p=reject; sp=quarantine; adkim=s"] });
        Assert.Equal(DmarcStatus.Aligned, result.Status);
        Assert.Equal("_dmarc.customer.co.jp", result.Name);
        Assert.Equal("reject", result.Policy);
        Assert.Equal("quarantine", result.SubdomainPolicy);
        Assert.Equal("s", result.DkimMode);
        Assert.True(result.DkimAligned); // d= is the From domain itself, so even strict aligns
        Assert.False(result.SpfAligned);
        Assert.Contains("p=quarantine", result.Reason);
    }

    [Fact]
    public async Task Without_our_DKIM_key_nothing_aligns_under_a_published_policy()
    {
        var result = await Dmarc(new() { ["_dmarc.news.customer.co.jp"] = ["v=DMARC1; p=quarantine"] }, dkimPublished: false);
        Assert.Equal(DmarcStatus.NotAligned, result.Status);
        Assert.False(result.Ok);
        Assert.Contains("not published", result.Reason);
    }

    [Fact]
    public async Task No_record_a_broken_record_two_records_and_a_timeout()
    {
        Assert.Equal(DmarcStatus.NotPublished, (await Dmarc([])).Status);
        var broken = await Dmarc(new() { ["_dmarc.news.customer.co.jp"] = ["v=DMARC1; p=block"] });
        Assert.Equal(DmarcStatus.NotPublished, broken.Status);
        Assert.Contains("no valid p=", broken.Reason);
        var two = await Dmarc(new() { ["_dmarc.news.customer.co.jp"] = ["v=DMARC1; p=none", "v=DMARC1; p=reject"] });
        Assert.Contains("2 DMARC records", two.Reason);
        var timeout = await Dmarc(new() { ["_dmarc.news.customer.co.jp"] = ["TIMEOUT"] });
        Assert.Equal(DmarcStatus.TempError, timeout.Status);
        Assert.False(timeout.Ok);
    }

    [Fact]
    public void Alignment_relaxed_means_the_same_organisational_domain_strict_means_equal()
    {
        Assert.True(DmarcCheck.Aligned("mail.customer.co.jp", "news.customer.co.jp", "r", PublicSuffixList.Default));
        Assert.False(DmarcCheck.Aligned("mail.customer.co.jp", "news.customer.co.jp", "s", PublicSuffixList.Default));
        Assert.False(DmarcCheck.Aligned("bounce.prportal.example", "customer.co.jp", "r", PublicSuffixList.Default));
    }

    [Theory]
    [InlineData(null, "v=spf1 include:_spf.prportal.example -all")]
    [InlineData("v=spf1 mx ~all", "v=spf1 mx include:_spf.prportal.example ~all")]
    [InlineData("v=spf1 ip4:192.0.2.1 redirect=_spf.customer.example", "v=spf1 ip4:192.0.2.1 include:_spf.prportal.example redirect=_spf.customer.example")]
    [InlineData("v=spf1 include:_spf.prportal.example -all", "v=spf1 include:_spf.prportal.example -all")]
    public void The_record_to_publish_keeps_what_the_customer_has_and_adds_our_include(string? found, string expected) =>
        Assert.Equal(expected, new SenderDomainChecker(new SenderAuthOptions(), PublicSuffixList.Default, TimeProvider.System).ExpectedSpf(found));
}
