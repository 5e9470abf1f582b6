using PrPortal.Data.Entities;
using PrPortal.Features.Incidents;

namespace PrPortal.Tests.Unit.Incidents;

[Trait("Category", "Unit")]
public sealed class BlockDetectorTests
{
    private static readonly DateTime T0 = new(2025, 11, 29, 17, 0, 0, DateTimeKind.Utc);
    private const string S3150 = "550 5.7.1 … (S3150)";

    private static Observation Blocked(int minute, string ip, string rcpt, string provider = "microsoft-consumer") =>
        new(T0.AddMinutes(minute), ip, provider, AttemptOutcome.Rejected, true, rcpt, S3150);

    private static Observation Ok(double minute, string ip, string provider = "microsoft-consumer", string rcpt = "x@outlook.jp") =>
        new(T0.AddMinutes(minute), ip, provider, AttemptOutcome.Accepted, false, rcpt, "250 2.6.0 Queued");

    [Fact]
    public void Ip_block_replies_from_three_recipients_in_ten_minutes_flag_the_cell_once()
    {
        var detector = new BlockDetector(new DetectorOptions());

        var found = new[] { Blocked(0, "203.0.113.10", "a@outlook.jp"), Blocked(3, "203.0.113.10", "b@outlook.jp"),
                            Blocked(6, "203.0.113.10", "c@outlook.jp"), Blocked(7, "203.0.113.10", "d@outlook.jp") }
            .SelectMany(detector.Observe).ToList();

        var detection = Assert.Single(found);
        Assert.Equal(DetectionKind.IpBlock, detection.Kind);
        Assert.Equal(("203.0.113.10", "microsoft-consumer"), (detection.SourceIp, detection.Provider));
        Assert.Equal(T0.AddMinutes(6), detection.AtUtc);
        Assert.Contains("(S3150)", detection.Evidence);
    }

    [Fact]
    public void One_recipient_refused_again_and_again_or_stray_refusals_at_a_busy_provider_are_not_a_block()
    {
        var detector = new BlockDetector(new DetectorOptions());
        var found = new List<Detection>();
        for (var minute = 0; minute < 150; minute++)
        {
            // The provider takes 20 mails a minute from other IPs all along.
            found.AddRange(Enumerable.Range(0, 20).SelectMany(i => detector.Observe(Ok(minute + i / 20.0, $"203.0.113.{100 + i}", rcpt: $"ok{minute}-{i}@outlook.jp"))));
            if (minute < 10)
            {
                found.AddRange(detector.Observe(Blocked(minute, "203.0.113.10", "same@outlook.jp")));
            }
            if (minute % 30 == 0)
            {
                found.AddRange(detector.Observe(Blocked(minute, "203.0.113.11", $"r{minute}@outlook.jp")));
            }
        }

        Assert.Empty(found);
    }

    [Fact]
    public void A_provider_blocking_many_ips_at_once_flags_each_further_ip_at_its_first_refusal()
    {
        var detector = new BlockDetector(new DetectorOptions());

        // One refusal each from 20 IPs within two minutes: no IP reaches three recipients of its own.
        var found = Enumerable.Range(0, 20).SelectMany(i => detector.Observe(
            new Observation(T0.AddSeconds(i * 6), $"203.0.113.{i}", "microsoft-consumer", AttemptOutcome.Rejected, true, $"r{i}@outlook.jp", S3150))).ToList();

        Assert.Equal(Enumerable.Range(2, 18).Select(i => $"203.0.113.{i}"), found.Select(d => d.SourceIp));
        Assert.All(found, d => Assert.Equal(DetectionKind.IpBlock, d.Kind));
        Assert.Contains("Microsoft (Outlook.com) refused 3 recipients for IP blocks", PrPortal.Infrastructure.Text.LocalText.Plain(found[0].Evidence));
    }

    [Fact]
    public void A_provider_with_a_few_mails_an_hour_is_caught_within_the_hour()
    {
        var detector = new BlockDetector(new DetectorOptions());

        // Four mails an hour, every one refused for its IP, each from another IP.
        var found = Enumerable.Range(0, 8).SelectMany(i => detector.Observe(
            new Observation(T0.AddMinutes(i * 15), $"203.0.113.{i}", "softbank", AttemptOutcome.Rejected, true, $"r{i}@i.softbank.jp", "550 5.7.1 blocked IP"))).ToList();

        Assert.Equal(T0.AddMinutes(30), found[0].AtUtc);
        Assert.Equal(6, found.Count);
    }

    [Fact]
    public void A_block_is_per_ip_and_provider_and_recovers_after_acceptances_in_a_row()
    {
        var detector = new BlockDetector(new DetectorOptions());
        for (var i = 0; i < 3; i++)
        {
            detector.Observe(Blocked(i, "203.0.113.10", $"r{i}@outlook.jp"));
        }

        Assert.Empty(Enumerable.Range(0, 10).SelectMany(i => detector.Observe(Ok(5 + i, "203.0.113.10", "google", $"g{i}@gmail.com"))));
        Assert.Equal([("203.0.113.10", "microsoft-consumer")], detector.FlaggedCells);
        var recovery = Enumerable.Range(0, 5).SelectMany(i => detector.Observe(Ok(20 + i, "203.0.113.10"))).ToList();

        Assert.Equal(DetectionKind.Recovered, Assert.Single(recovery).Kind);
        Assert.Empty(detector.FlaggedCells);
    }

    [Fact]
    public void Acceptance_falling_far_below_the_cells_baseline_and_its_peers_is_a_drop_even_without_block_replies()
    {
        var detector = new BlockDetector(new DetectorOptions());
        var found = new List<Detection>();
        // 40 minutes of normal traffic on two IPs, then one IP's mail is deferred (421) without naming a block.
        for (var i = 0; i < 400; i++)
        {
            var minute = i * 0.1;
            found.AddRange(detector.Observe(Ok(minute, "203.0.113.10", "yahoo-jp")));
            found.AddRange(detector.Observe(Ok(minute, "203.0.113.11", "yahoo-jp")));
        }
        for (var i = 0; i < 60; i++)
        {
            var minute = 40 + i * 0.2;
            found.AddRange(detector.Observe(new Observation(T0.AddMinutes(minute), "203.0.113.10", "yahoo-jp", AttemptOutcome.Deferred, false, $"d{i}@yahoo.co.jp", "421 4.7.0 try later")));
            found.AddRange(detector.Observe(Ok(minute, "203.0.113.11", "yahoo-jp")));
        }

        var drop = Assert.Single(found);
        Assert.Equal(DetectionKind.AcceptanceDrop, drop.Kind);
        Assert.Equal("203.0.113.10", drop.SourceIp);
    }

    [Fact]
    public void A_quiet_cell_does_not_flap_on_a_few_failures()
    {
        var detector = new BlockDetector(new DetectorOptions());
        var found = new List<Detection>();
        for (var i = 0; i < 60; i++)
        {
            found.AddRange(detector.Observe(new Observation(T0.AddMinutes(i * 5), "203.0.113.12", "docomo",
                i % 3 == 0 ? AttemptOutcome.Rejected : AttemptOutcome.Accepted, false, $"u{i}@docomo.ne.jp", null)));
        }

        Assert.Empty(found);
    }

    [Fact]
    public void Background_failures_alone_raise_nothing()
    {
        var detector = new BlockDetector(new DetectorOptions());
        var random = new Random(7);
        var found = new List<Detection>();
        for (var i = 0; i < 20_000; i++)
        {
            var roll = random.NextDouble();
            var outcome = roll < 0.004 ? AttemptOutcome.Rejected : roll < 0.0055 ? AttemptOutcome.Deferred : AttemptOutcome.Accepted;
            found.AddRange(detector.Observe(new Observation(T0.AddSeconds(i * 0.5), $"203.0.113.{10 + random.Next(48)}",
                new[] { "google", "microsoft-consumer", "yahoo-jp" }[random.Next(3)], outcome, false, $"u{random.Next(5000)}@example.jp", null)));
        }

        Assert.Empty(found);
    }

    [Fact]
    public void Silence_after_traffic_is_said_once_and_not_after_a_trickle()
    {
        var detector = new BlockDetector(new DetectorOptions());
        var trickle = new BlockDetector(new DetectorOptions());
        trickle.Observe(Ok(0, "203.0.113.10"));
        for (var i = 0; i < 200; i++)
        {
            detector.Observe(Ok(i * 0.01, "203.0.113.10"));
        }

        Assert.Empty(trickle.Tick(T0.AddMinutes(40)));
        Assert.Empty(detector.Tick(T0.AddMinutes(20)));
        Assert.Equal(DetectionKind.Silence, Assert.Single(detector.Tick(T0.AddMinutes(33))).Kind);
        Assert.Empty(detector.Tick(T0.AddMinutes(45)));
    }

    [Fact]
    public void A_recovered_cell_is_not_judged_again_by_the_failures_of_its_blocked_time()
    {
        var detector = new BlockDetector(new DetectorOptions());
        var found = new List<Detection>();
        // Half an hour of healthy mail sets the baseline; then every attempt fails (not an IP-block reply).
        for (var i = 0; i < 60; i++)
        {
            found.AddRange(detector.Observe(Ok(i * 0.5, "203.0.113.10", "google", $"ok{i}@gmail.com")));
        }
        for (var i = 0; i < 30; i++)
        {
            found.AddRange(detector.Observe(new Observation(T0.AddMinutes(30 + i * 0.2), "203.0.113.10", "google", AttemptOutcome.Rejected, false, $"f{i}@gmail.com", "550 5.7.1 rejected")));
        }
        // It recovers: five acceptances in a row. One more refusal right after is no new drop.
        for (var i = 0; i < 5; i++)
        {
            found.AddRange(detector.Observe(Ok(37 + i * 0.1, "203.0.113.10", "google", $"back{i}@gmail.com")));
        }
        found.AddRange(detector.Observe(new Observation(T0.AddMinutes(38), "203.0.113.10", "google", AttemptOutcome.Rejected, false, "x@gmail.com", "550 5.1.1 user unknown")));

        Assert.Equal([DetectionKind.AcceptanceDrop, DetectionKind.Recovered], found.Select(d => d.Kind));
    }
}
