using System.Security.Claims;
using PrPortal.Hosting;

namespace PrPortal.Features.Resend;

/// <summary>
/// `resend run [--batch ID]`: sends queued batches in the foreground (what the resend job does), and may
/// be stopped at any point and run again. `resend list`: the latest batches with their counts.
/// </summary>
public static class ResendVerb
{
    private const string Usage = "Usage: resend run [--batch ID] | resend list";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken)
    {
        switch (args)
        {
            case ["run"]:
                OpsVerbs.Print(await services.GetRequiredService<ResendRunner>().RunAsync(null, cancellationToken));
                return 0;
            case ["run", "--batch", var text]:
                if (!int.TryParse(text, out var id) || id <= 0)
                {
                    throw new OpsVerbs.VerbUsageException($"--batch '{text}' is not a batch number.");
                }
                OpsVerbs.Print(await services.GetRequiredService<ResendRunner>().RunAsync(id, cancellationToken));
                return 0;
            case ["list"]:
                var operatorUser = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "ops"), new Claim(ClaimTypes.Role, Account.PortalRoles.Admin)], "ops"));
                OpsVerbs.Print(await services.GetRequiredService<ResendService>().BatchesAsync(operatorUser, 50, cancellationToken));
                return 0;
            default:
                throw new OpsVerbs.VerbUsageException(Usage);
        }
    }
}
