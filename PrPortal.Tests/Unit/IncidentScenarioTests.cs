using System.Text.Json;
using PrPortal.Sandbox.Scenarios;

namespace PrPortal.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class IncidentScenarioTests
{
    [Fact]
    public void Reference_scenario_is_the_incident_of_39_of_48_ips()
    {
        var scenario = IncidentScenario.Reference();

        Assert.Equal(48, scenario.Ips.Primary);
        Assert.Equal(4, scenario.Ips.Spare);
        Assert.Equal(1.0, scenario.ProviderMix.Values.Sum(), 6);
        Assert.Equal(1.0, scenario.CategoryMix.Values.Sum(), 6);
        Assert.Equal(["microsoft-consumer", "microsoft-365"], scenario.Blocks.Select(b => b.Provider));
        Assert.All(scenario.Blocks, b => Assert.Equal(Enumerable.Range(0, 39), b.PrimaryIndexes()));
    }

    [Fact]
    public void The_embedded_copy_matches_the_shared_scenario()
    {
        var shared = Path.Combine(Support.RepositoryPaths.Root, "..", "shared", "scenarios", "seed-incident.json");
        Assert.True(File.Exists(shared), $"The shared scenarios are expected beside the repository: {shared}");
        var embedded = File.ReadAllText(Path.Combine(Support.RepositoryPaths.Root, "PrPortal", "Sandbox", "Scenarios", "seed-incident.json"));

        Assert.Equal(File.ReadAllText(shared), embedded);
    }

    [Fact]
    public void Block_ips_may_be_a_list_of_one_based_indexes()
    {
        var scenario = IncidentScenario.Parse(Minimal("""[{"provider":"google","ips":[1,5],"from_hour":0,"until_hour":1,"reply":"421 x"}]"""));

        Assert.Equal([0, 4], scenario.Blocks[0].PrimaryIndexes());
    }

    [Fact]
    public void Unknown_fields_are_an_error_naming_the_field()
    {
        var error = Assert.Throws<JsonException>(() => IncidentScenario.Parse(Minimal("[]").Replace("\"hours\"", "\"hourz\"")));

        Assert.Contains("hourz", error.Message);
    }

    private static string Minimal(string blocks) => $$"""
        {"name":"t","start":"2025-11-30T00:00:00+09:00","hours":1,"mails_per_hour":10,"seed":1,
         "ips":{"primary":2,"spare":0},"provider_mix":{"google":1},"category_mix":{"MediaUser":1},
         "background_failures":{},"blocks":{{blocks}}}
        """;
}
