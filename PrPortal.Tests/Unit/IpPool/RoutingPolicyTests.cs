using PrPortal.Data.Entities;
using PrPortal.Features.IpPool;

namespace PrPortal.Tests.Unit.IpPool;

[Trait("Category", "Unit")]
public sealed class RoutingPolicyTests
{
    private static readonly IReadOnlyList<SendingIp> Pool =
    [
        .. Enumerable.Range(1, 4).Select(i => new SendingIp { Id = i, Address = $"203.0.113.{i}", Role = SendingIpRole.Primary }),
        .. Enumerable.Range(5, 2).Select(i => new SendingIp { Id = i, Address = $"203.0.113.{i}", Role = SendingIpRole.Spare }),
    ];

    private static int[] Ids(IEnumerable<SendingIp> ips) => ips.Select(i => i.Id).ToArray();

    [Fact]
    public void Primaries_carry_the_mail_and_an_excluded_one_is_left_out()
    {
        Assert.Equal([1, 2, 3, 4], Ids(RoutingPolicy.Eligible(Pool, new HashSet<int>())));
        Assert.Equal([1, 3, 4], Ids(RoutingPolicy.Eligible(Pool, new HashSet<int> { 2 })));
    }

    [Fact]
    public void Spares_join_when_fewer_than_half_the_primaries_are_left_and_carry_alone_when_none_is()
    {
        Assert.Equal([3, 4], Ids(RoutingPolicy.Eligible(Pool, new HashSet<int> { 1, 2 }))); // exactly half: no spares yet
        Assert.Equal([4, 5, 6], Ids(RoutingPolicy.Eligible(Pool, new HashSet<int> { 1, 2, 3 })));
        Assert.Equal([6], Ids(RoutingPolicy.Eligible(Pool, new HashSet<int> { 1, 2, 3, 4, 5 })));
        Assert.Empty(RoutingPolicy.Eligible(Pool, new HashSet<int> { 1, 2, 3, 4, 5, 6 }));
        Assert.Equal([2, 3, 4, 5, 6], Ids(RoutingPolicy.Eligible(Pool, new HashSet<int> { 1 }, spareThreshold: 1.0)));
    }

    [Fact]
    public void Each_ip_reads_as_in_use_excluded_spare_in_use_or_standby()
    {
        var excluded = new HashSet<int> { 1, 2, 3 };
        var eligible = RoutingPolicy.Eligible(Pool, excluded);

        Assert.Equal(
            [CellRouting.Excluded, CellRouting.Excluded, CellRouting.Excluded, CellRouting.InUse, CellRouting.SpareInUse, CellRouting.SpareInUse],
            Pool.Select(ip => RoutingPolicy.StateOf(ip, eligible, excluded)));
        Assert.Equal(CellRouting.SpareStandby, RoutingPolicy.StateOf(Pool[4], RoutingPolicy.Eligible(Pool, new HashSet<int>()), new HashSet<int>()));
    }

    [Fact]
    public void Disabled_ips_are_never_chosen()
    {
        var pool = Pool.Select(i => new SendingIp { Id = i.Id, Address = i.Address, Role = i.Role, Enabled = i.Id != 4 }).ToList();

        Assert.Equal([1, 2, 3], Ids(RoutingPolicy.Eligible(pool, new HashSet<int>())));
    }
}
