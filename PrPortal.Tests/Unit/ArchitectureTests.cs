using NetArchTest.Rules;

namespace PrPortal.Tests.Unit;

/// <summary>
/// The dependencies the design allows: every attempt is recorded through the pipeline, so no source
/// (send logs, bounces, the engine's callers) talks to the detector or another source itself, and the
/// pipeline knows none of its sources.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ArchitectureTests
{
    private static readonly Types Portal = Types.InAssembly(typeof(Pipeline.AttemptPipeline).Assembly);

    private static void Holds(TestResult result, string rule) =>
        Assert.True(result.IsSuccessful, $"{rule}: {string.Join(", ", result.FailingTypeNames ?? [])}");

    [Fact]
    public void The_pipeline_knows_none_of_the_sources_that_feed_it()
    {
        Holds(Portal.That().ResideInNamespace("PrPortal.Pipeline").ShouldNot()
            .HaveDependencyOnAny("PrPortal.Features.SendLog", "PrPortal.Features.Resend", "PrPortal.Features.Drill", "PrPortal.Features.DemoWorld",
                "PrPortal.Sandbox", "PrPortal.Components", "PrPortal.Hosting").GetResult(), "Pipeline → sources");
    }

    [Theory]
    [InlineData("PrPortal.Features.SendLog")]
    [InlineData("PrPortal.Features.Bounces")]
    [InlineData("PrPortal.Features.Delivery")]
    [InlineData("PrPortal.Features.Resend")]
    [InlineData("PrPortal.Features.Drill")]
    public void A_source_of_attempts_reaches_the_detector_only_through_the_pipeline(string source)
    {
        Holds(Portal.That().ResideInNamespace(source).ShouldNot().HaveDependencyOn("PrPortal.Features.Incidents.DetectionService").GetResult(), $"{source} → detector");
    }

    [Fact]
    public void Send_logs_and_bounces_do_not_reach_into_each_other_or_the_engine()
    {
        Holds(Portal.That().ResideInNamespace("PrPortal.Features.SendLog").ShouldNot()
            .HaveDependencyOnAny("PrPortal.Features.Delivery", "PrPortal.Features.Incidents").GetResult(), "SendLog");
        Holds(Portal.That().ResideInNamespace("PrPortal.Features.Bounces").ShouldNot()
            .HaveDependencyOnAny("PrPortal.Features.Delivery", "PrPortal.Features.Incidents").GetResult(), "Bounces");
    }

    [Fact]
    public void Stored_data_depends_on_no_feature()
    {
        // (Configurations seed the provider catalog's rows, which is data too.)
        Holds(Portal.That().ResideInNamespace("PrPortal.Data.Entities").Or().HaveName("AttemptStore").Or().HaveName("RollupWriter").Or().HaveName("FailureLedgerSql").ShouldNot()
            .HaveDependencyOnAny("PrPortal.Features", "PrPortal.Pipeline", "PrPortal.Components", "PrPortal.Sandbox").GetResult(), "Data → features");
    }
}
