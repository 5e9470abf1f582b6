using PrPortal.Features.IpPool;

namespace PrPortal.Tests.Unit.IpPool;

/// <summary>How a grid cell is coloured from its attempts, acceptances and IP-block replies.</summary>
[Trait("Category", "Unit")]
public sealed class CellHealthTests
{
    [Theory]
    [InlineData(0, 0, 0, CellHealth.Idle)]
    [InlineData(100, 98, 0, CellHealth.Healthy)]
    [InlineData(100, 89, 0, CellHealth.Degraded)]   // acceptance under 90 %
    [InlineData(100, 95, 1, CellHealth.Degraded)]   // any IP-block reply
    [InlineData(100, 80, 20, CellHealth.Blocked)]   // a fifth are IP blocks
    [InlineData(100, 49, 0, CellHealth.Blocked)]    // acceptance under half
    [InlineData(3, 0, 3, CellHealth.Blocked)]       // the incident: every mail refused with S3150
    public void A_cell_is_judged_by_acceptance_and_ip_block_replies(int attempts, int accepted, int ipBlocks, CellHealth expected) =>
        Assert.Equal(expected, IpPoolHealth.Judge(attempts, accepted, ipBlocks));
}
