using System.Security.Cryptography;
using PrPortal.Hosting;

namespace PrPortal.Features.Api;

/// <summary>`api-key NAME`: makes a new key; prints it once with the configuration entry that accepts it.</summary>
public static class ApiKeyVerb
{
    public static Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken)
    {
        if (args.Length != 1 || string.IsNullOrWhiteSpace(args[0]) || args[0].StartsWith('-'))
        {
            throw new OpsVerbs.VerbUsageException("Usage: api-key NAME (a name for the caller, e.g. the log shipper's host)");
        }
        var key = "prp_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(30)).Replace('+', '-').Replace('/', '_');
        OpsVerbs.Print(new { name = args[0], key, sha256 = ApiKeyEntry.Hash(key), config = $"Api__Keys__N__Name={args[0]} Api__Keys__N__Sha256={ApiKeyEntry.Hash(key)}" });
        return Task.FromResult(0);
    }
}
