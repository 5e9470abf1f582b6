using Microsoft.Extensions.Logging.Abstractions;
using PrPortal.Features.SendLog;
using PrPortal.Sandbox.Logs;
using PrPortal.Sandbox.Scenarios;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.SendLog;

/// <summary>A live maillog followed across appends, a half-written line and a rotation.</summary>
[Trait("Category", "Integration")]
public sealed class LogFollowerTests(PortalFactory factory) : IClassFixture<PortalFactory>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("prportal-follow-").FullName;

    private static string[] Lines(long messages, long firstDelivery)
    {
        using var writer = new StringWriter();
        PostfixLogGenerator.Write(writer, IncidentScenario.Reference() with { Blocks = [] }, messages,
            new DateTime(2025, 7, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(firstDelivery), TimeSpan.FromHours(1), firstDelivery);
        return writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task New_lines_are_read_as_they_come_and_a_rotated_file_is_finished_before_the_new_one()
    {
        _ = factory.Server;
        var path = Path.Combine(_dir, "maillog");
        var ipMap = Path.Combine(_dir, "ip-map");
        await File.WriteAllLinesAsync(ipMap, Enumerable.Range(1, 48).Select(n => $"postfix-ip{n:00} 203.0.113.{9 + n}"));
        await File.WriteAllLinesAsync(path, Lines(100, 1));
        await using var follower = new LogFollower(new FollowedLog { Path = path, Format = "postfix", IpMapFile = ipMap, FromStart = true },
            factory.Service<SendLogIngestor>(), TimeProvider.System, NullLogger.Instance);

        Assert.Equal(100, (await follower.PollAsync(default)).Records);
        Assert.Equal(0, (await follower.PollAsync(default)).Records); // nothing new

        // 50 more messages, the last line only half written.
        var more = Lines(50, 1000)[..^1]; // ends with the 50th message's smtp line
        await File.AppendAllTextAsync(path, string.Join('\n', more)); // no final newline
        Assert.Equal(49, (await follower.PollAsync(default)).Records);
        await File.AppendAllTextAsync(path, "\n");
        Assert.Equal(1, (await follower.PollAsync(default)).Records);

        // Rotation: the old file gets its last lines under its new name, the new file starts afresh.
        var old = await File.ReadAllLinesAsync(path);
        File.Move(path, path + ".1");
        await File.AppendAllLinesAsync(path + ".1", Lines(10, 2000));
        await File.WriteAllLinesAsync(path, Lines(20, 3000));

        var afterRotation = await follower.PollAsync(default);

        Assert.Equal(30, afterRotation.Records);
        Assert.Equal(0, afterRotation.Duplicates);
        Assert.Equal(0, afterRotation.RejectedLines);
        Assert.NotEmpty(old);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
