using System.Globalization;
using PrPortal.Hosting;

namespace PrPortal.Features.IpPool;

/// <summary>`pool health [--hours H]`: one object per sending IP × provider over the last H hours (default 1).</summary>
public static class PoolVerb
{
    private const string Usage = "Usage: pool health [--hours H]";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken)
    {
        if (args.Length == 0 || args[0] != "health")
        {
            throw new OpsVerbs.VerbUsageException(Usage);
        }
        var hours = 1;
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--hours" && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var h) && h is >= 1 and <= 24 * 90)
            {
                hours = h;
                i++;
                continue;
            }
            throw new OpsVerbs.VerbUsageException($"unknown option or bad value '{args[i]}' (--hours takes 1 to 2160). {Usage}");
        }
        var grid = await services.GetRequiredService<IpPoolHealth>().GridAsync(hours, cancellationToken);
        foreach (var row in grid.Rows)
        {
            foreach (var cell in row.Cells)
            {
                OpsVerbs.Print(new
                {
                    ip = row.Address,
                    provider = cell.ProviderId,
                    attempts = cell.Attempts,
                    accepted = cell.Accepted,
                    deferred = cell.Deferred,
                    rejected = cell.Rejected,
                    ip_blocks = cell.IpBlocks,
                    state = cell.Health.ToString().ToLowerInvariant(),
                    routing = cell.Routing switch
                    {
                        CellRouting.InUse => "in_use",
                        CellRouting.Excluded => "excluded",
                        CellRouting.SpareInUse => "spare_in_use",
                        _ => "spare_standby",
                    },
                });
            }
        }
        return 0;
    }
}
