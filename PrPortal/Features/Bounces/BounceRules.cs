using System.Text.Json;
using PrPortal.Hosting;

namespace PrPortal.Features.Bounces;

/// <summary>Builds the classifier from the built-in rules and the staff's override file (Bounces:RulesFile), if any.</summary>
public static class BounceRules
{
    public static ReplyClassifier Load(IConfiguration configuration, string contentRoot)
    {
        var file = configuration["Bounces:RulesFile"];
        if (string.IsNullOrWhiteSpace(file))
        {
            return ReplyClassifier.BuiltIn();
        }
        var path = Path.IsPathRooted(file) ? file : Path.Combine(contentRoot, file);
        try
        {
            using var stream = File.OpenRead(path);
            return new ReplyClassifier(ReplyClassifier.BuiltInRules(), RuleSet.Parse(stream));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new StartupException($"Configuration key 'Bounces:RulesFile' ('{path}') cannot be used: {e.Message}");
        }
    }
}
