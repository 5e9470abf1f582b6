using System.Text.Json;
using PrPortal.Features.Bounces;
using PrPortal.Features.Incidents;
using PrPortal.Features.IpPool;
using PrPortal.Sandbox.Replay;
using PrPortal.Sandbox.Scenarios;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Replay;

/// <summary>Scenarios played through the real pipeline on a virtual clock: the incident's own numbers, and blocks unlike it.</summary>
[Trait("Category", "Integration")]
public sealed class ReplayTests
{
    private static readonly ReplayRunner Runner = new(ReplyClassifier.BuiltIn(), new ReplaySettings(new DetectorOptions(), new RoutingOptions(), new RecoveryOptions()));

    private static string Scenario(string blocks, string providerMix = """{"google":0.5,"microsoft-consumer":0.2,"yahoo-jp":0.2,"other":0.1}""",
        int mailsPerHour = 20_000, double hours = 8, string background = """{"userunknown":0.004,"networkerror":0.001}""", string ips = """{"primary":12,"spare":2}""") => $$"""
        {"name":"test","start":"2025-11-30T00:00:00+09:00","hours":{{hours}},"mails_per_hour":{{mailsPerHour}},"seed":7,
         "ips":{{ips}},"provider_mix":{{providerMix}},
         "category_mix":{"MediaUser":0.75,"IndividualUser":0.25},"background_failures":{{background}},"blocks":{{blocks}}}
        """;

    private static Task<ReplayResult> PlayAsync(string json) => Runner.RunAsync(IncidentScenario.ParseValid(json), CancellationToken.None);

    [Fact]
    public async Task The_seed_incident_is_caught_within_minutes_and_its_ips_come_back_only_after_the_block_ends()
    {
        var scenario = IncidentScenario.Reference();

        var result = await Runner.RunAsync(scenario, CancellationToken.None);

        Assert.Equal(3_600_000, result.Mails);
        Assert.Equal(scenario.Start.UtcDateTime.AddHours(2), result.FirstBlockAt!.Value, TimeSpan.FromSeconds(5));
        Assert.InRange(result.TimeToDetectS!.Value, 0, 300);
        Assert.InRange(result.FailedBeforeReroute, 1, 200);
        Assert.Equal(0, result.DuplicateDeliveries);
        Assert.Equal(1, result.Incidents); // the same 39 IPs at both Microsoft providers are one incident
        // Mail that would have used a blocked IP went through the 9 healthy ones: about 39/48 of Microsoft's 9 % for 38 hours.
        Assert.InRange(result.ReroutedMails, 150_000, 260_000);
        var reverts = result.IpsRevertedAt;
        Assert.Equal(78, reverts.Sum(r => r.Ips));
        Assert.All(reverts, r => Assert.InRange(r.At, scenario.Start.UtcDateTime.AddHours(40), scenario.Start.UtcDateTime.AddHours(40).AddMinutes(10)));
        // The mail refused before its IP was taken out is resent by the automatic policy: nothing is left, nothing twice.
        Assert.Equal(result.FailedBeforeReroute, result.Resent);
        Assert.Equal(0, result.UndeliveredAtEnd);
    }

    [Fact]
    public async Task A_block_at_another_provider_is_handled_the_same_way()
    {
        var result = await PlayAsync(Scenario("""[{"provider":"google","ips":[2,4,6,8,10],"from_hour":1,"until_hour":5,"reply":"550 5.7.1 [{ip}] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been blocked."}]"""));

        Assert.Equal(1, result.Incidents);
        Assert.InRange(result.TimeToDetectS!.Value, 0, 300);
        Assert.InRange(result.FailedBeforeReroute, 1, 30);
        Assert.Equal(["google"], result.IpsRevertedAt.Select(r => r.Provider).Distinct());
        Assert.Equal(5, result.IpsRevertedAt.Sum(r => r.Ips));
        Assert.Equal(0, result.DuplicateDeliveries);
    }

    [Fact]
    public async Task Deferral_style_blocks_lose_no_mail_the_deferred_mail_leaves_on_another_ip_at_once()
    {
        var result = await PlayAsync(Scenario("""[{"provider":"yahoo-jp","ips":6,"from_hour":1,"until_hour":6,"kind":"defer","reply":"421 4.7.0 [TSS04] Messages from {ip} temporarily deferred due to unexpected volume or user complaints"}]""",
            background: "{}"));

        Assert.Equal(1, result.Incidents);
        Assert.Equal(0, result.FailedBeforeReroute);
        Assert.Equal(0, result.Failed);
        Assert.Equal(0, result.UndeliveredAtEnd);
        Assert.Equal(0, result.DuplicateDeliveries);
        Assert.InRange(result.Deferrals, 1, 30);
        Assert.Equal(6, result.IpsRevertedAt.Sum(r => r.Ips));
    }

    [Fact]
    public async Task When_every_primary_is_blocked_the_spares_carry_the_providers_mail()
    {
        var result = await PlayAsync(Scenario("""[{"provider":"microsoft-consumer","ips":12,"from_hour":1,"until_hour":4,"reply":"550 5.7.1 Unfortunately, messages from [{ip}] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150)."}]"""));

        Assert.Equal(1, result.Incidents);
        Assert.InRange(result.FailedBeforeReroute, 1, 40);
        // About 3 hours of Microsoft's 20 % of 20,000 an hour went out through the two spares.
        Assert.InRange(result.ReroutedMails, 10_000, 13_000);
        Assert.Equal(12, result.IpsRevertedAt.Sum(r => r.Ips));
        // The refused mail is resent through the spares.
        Assert.Equal(result.FailedBeforeReroute, result.Resent);
        Assert.Equal(0, result.UndeliveredAtEnd);
        Assert.Equal(0, result.DuplicateDeliveries);
    }

    [Fact]
    public async Task A_provider_with_a_few_mails_an_hour_is_still_caught()
    {
        // SoftBank gets 0.05 % of 10,000 an hour: five mails an hour.
        var result = await PlayAsync(Scenario("""[{"provider":"softbank","ips":10,"from_hour":1,"until_hour":20,"reply":"550 5.7.1 Connection refused: {ip} is on our block list"}]""",
            providerMix: """{"google":0.6,"other":0.3995,"softbank":0.0005}""", mailsPerHour: 10_000, hours: 24));

        Assert.Equal(1, result.Incidents);
        Assert.NotNull(result.DetectedAt);
        Assert.InRange(result.TimeToDetectS!.Value, 0, 3 * 3600);
        Assert.InRange(result.FailedBeforeReroute, 3, 15);
    }

    [Fact]
    public async Task A_quiet_scenario_with_only_background_failures_opens_no_incident()
    {
        var result = await PlayAsync(Scenario("[]", background: """{"userunknown":0.01,"mailboxfull":0.005,"networkerror":0.005,"spamdetected":0.002}"""));

        Assert.Equal(0, result.Incidents);
        Assert.Null(result.FirstBlockAt);
        Assert.Null(result.DetectedAt);
        Assert.Equal(0, result.FailedBeforeReroute);
        Assert.Equal(0, result.ReroutedMails);
        Assert.Empty(result.IpsRevertedAt);
        // Refused recipients are failures of their own; deferred ones were retried and delivered.
        Assert.InRange(result.Failed, 160_000 * 0.016, 160_000 * 0.018);
        Assert.Equal(0, result.UndeliveredAtEnd);
        Assert.Equal(0, result.Resent);
    }

    [Fact]
    public async Task Over_smtp_through_the_sandbox_simulators_the_replay_comes_to_the_same_figures_as_in_memory()
    {
        using var portal = new DemoPortalFactory();
        _ = portal.Server;
        var smtp = new SmtpReplay(portal.Service<PrPortal.Sandbox.SandboxWorld>(), portal.Service<PrPortal.Features.Delivery.DeliveryEngine>());
        var json = Scenario("""
            [{"provider":"yahoo-jp","ips":4,"from_hour":0.5,"until_hour":1.2,"reply":"554 5.7.1 [{ip}] Connection refused: your IP is on our block list"},
             {"provider":"google","ips":[5,6],"from_hour":0.5,"until_hour":1.0,"kind":"defer","reply":"451 4.7.28 [{ip}] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited."}]
            """, providerMix: """{"google":0.4,"yahoo-jp":0.4,"other":0.2}""", mailsPerHour: 1500, hours: 2, background: """{"userunknown":0.01,"networkerror":0.005}""");

        var inMemory = await PlayAsync(json);
        var overSmtp = await new ReplayRunner(ReplyClassifier.BuiltIn(), new ReplaySettings(new DetectorOptions(), new RoutingOptions(), new RecoveryOptions()), smtp)
            .RunAsync(IncidentScenario.ParseValid(json), CancellationToken.None);

        var received = portal.Service<PrPortal.Sandbox.SandboxWorld>().Simulators.Values.Sum(s => s.Received.Count(m => m.MailFrom.StartsWith("bounce+")));
        Assert.InRange(received, 2900, 3100); // the mail really went over loopback SMTP (probes come from another sender)
        Assert.Equal(2, overSmtp.Incidents);
        Assert.Equal(
            (inMemory.Mails, inMemory.Failed, inMemory.FailedBeforeReroute, inMemory.ReroutedMails, inMemory.UndeliveredAtEnd, inMemory.Incidents),
            (overSmtp.Mails, overSmtp.Failed, overSmtp.FailedBeforeReroute, overSmtp.ReroutedMails, overSmtp.UndeliveredAtEnd, overSmtp.Incidents));
        Assert.Equal(inMemory.IpsRevertedAt, overSmtp.IpsRevertedAt);
        Assert.Equal(0, overSmtp.DuplicateDeliveries);
        // Real sockets are slower: a replay over SMTP is refused above 20,000 mails, naming the field.
        var tooBig = await Assert.ThrowsAsync<ScenarioException>(() => new ReplayRunner(ReplyClassifier.BuiltIn(),
            new ReplaySettings(new DetectorOptions(), new RoutingOptions(), new RecoveryOptions()), smtp).RunAsync(IncidentScenario.ParseValid(Scenario("[]", mailsPerHour: 15_000, hours: 2)), CancellationToken.None));
        Assert.StartsWith("mails_per_hour: over SMTP a replay plays at most 20,000 mails", tooBig.Message);
        // The simulators are left as they were: no replay block remains.
        Assert.DoesNotContain(portal.Service<PrPortal.Sandbox.SandboxWorld>().Simulator("yahoo-jp").Rules.BlockedIps, ip => ip.StartsWith("198.18."));
    }

    [Theory]
    [InlineData("""{"google":0.5,"other":0.4}""", "[]", "provider_mix: shares must add up to 1")]
    [InlineData("""{"google":0.5,"gmail":0.5}""", "[]", "provider_mix.gmail: unknown")]
    [InlineData("""{"google":1}""", """[{"provider":"yahoo-jp","ips":1,"from_hour":0,"until_hour":1,"reply":"550 x"}]""", "blocks[0].provider: 'yahoo-jp' is not in provider_mix")]
    [InlineData("""{"google":1}""", """[{"provider":"google","ips":[1,2],"from_hour":1,"until_hour":3,"reply":"550 a"},{"provider":"google","ips":[2],"from_hour":2,"until_hour":4,"kind":"defer","reply":"421 b"}]""", "blocks[1]: overlaps blocks[0]")]
    [InlineData("""{"google":1}""", """[{"provider":"google","ips":99,"from_hour":1,"until_hour":3,"reply":"550 a"}]""", "blocks[0].ips: names a primary outside 1..12")]
    [InlineData("""{"google":1}""", """[{"provider":"google","ips":1,"from_hour":3,"until_hour":3,"reply":"550 a"}]""", "blocks[0].until_hour")]
    [InlineData("""{"google":1}""", """[{"provider":"google","ips":1,"from_hour":1,"until_hour":3,"reply":"421 a"}]""", "blocks[0].reply: a reject block's reply must start with a 5xx code")]
    public void Bad_scenarios_are_refused_naming_the_field(string providerMix, string blocks, string expected)
    {
        var error = Assert.Throws<ScenarioException>(() => IncidentScenario.ParseValid(Scenario(blocks, providerMix)));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task The_verb_prints_one_json_object_and_refuses_bad_scenarios_with_exit_code_2()
    {
        var good = TempFiles.NewPath("scenario", ".json");
        var bad = TempFiles.NewPath("scenario", ".json");
        await File.WriteAllTextAsync(good, Scenario("""[{"provider":"google","ips":3,"from_hour":0.5,"until_hour":1.5,"reply":"550 5.7.1 [{ip}] blocked"}]""", mailsPerHour: 5000, hours: 2));
        await File.WriteAllTextAsync(bad, Scenario("[]").Replace("\"hours\":8", "\"hours\":0"));
        var env = PortalProcess.Environment(TempFiles.NewPath("verb", ".db"));

        var run = await PortalProcess.RunAsync(env, "replay", "--scenario", good, "--json");
        var refused = await PortalProcess.RunAsync(env, "replay", "--scenario", bad);
        var unknownField = await PortalProcess.RunAsync(env, "replay", "--scenario", "/nonexistent/scenario.json");

        Assert.Equal(0, run.ExitCode);
        var json = JsonDocument.Parse(run.Stdout).RootElement;
        foreach (var field in new[] { "mails", "first_block_at", "detected_at", "time_to_detect_s", "failed", "failed_before_reroute", "rerouted_mails",
                     "resent", "undelivered_at_end", "duplicate_deliveries", "incidents", "ips_reverted_at", "wall_s" })
        {
            Assert.True(json.TryGetProperty(field, out _), $"missing {field}");
        }
        Assert.Equal(10_000, json.GetProperty("mails").GetInt64());
        Assert.Equal(1, json.GetProperty("incidents").GetInt32());
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("", refused.Stdout);
        var line = Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("hours: must be above 0", line);
        Assert.Equal(2, unknownField.ExitCode);
        Assert.Contains("does not exist", unknownField.Stderr);
    }
}
