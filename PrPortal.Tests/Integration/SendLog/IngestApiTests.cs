using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.SendLog;

/// <summary>Log shippers post lines to /api/ingest/{format} with an API key; cookies do not open it.</summary>
[Trait("Category", "Integration")]
public sealed class IngestApiTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private const string Lines = """
        {"at":"2025-11-29T17:15:02Z","recipient":"a@outlook.jp","source_ip":"203.0.113.10","reply_code":550,"status":"5.7.1","reply":"550 5.7.1 (S3150)","outcome":"rejected"}
        {"at":"2025-11-29T17:15:03Z","recipient":"b@gmail.com","source_ip":"203.0.113.11","reply_code":250,"reply":"250 2.0.0 OK","outcome":"accepted"}
        not json at all
        """;

    private static HttpRequestMessage Post(string format, string? key, string body = Lines)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/ingest/{format}?source=mta01") { Content = new StringContent(body) };
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }
        return request;
    }

    [Fact]
    public async Task A_shipper_with_its_key_posts_lines_and_gets_the_counts()
    {
        using var client = PortalClient.Anonymous(factory);

        var response = await client.SendAsync(Post("jsonl", PortalFactory.ApiKey));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, json.GetProperty("lines").GetInt32());
        Assert.Equal(2, json.GetProperty("records").GetInt32());
        Assert.Equal(0, json.GetProperty("attempts").GetInt32()); // no delivery of this empty portal
        Assert.Equal(1, json.GetProperty("rejected_lines").GetInt32());
    }

    [Fact]
    public async Task The_same_body_posted_again_adds_nothing()
    {
        using var client = PortalClient.Anonymous(factory);
        var body = $$"""{"at":"2025-06-01T01:02:03Z","recipient":"again-{{Guid.NewGuid():N}}@gmail.com","source_ip":"203.0.113.10","reply_code":550,"status":"5.7.1","reply":"550 5.7.1 blocked","outcome":"rejected"}""";
        HttpRequestMessage Request() => new(HttpMethod.Post, "/api/ingest/jsonl?source=mta07") { Content = new StringContent(body), Headers = { { "X-Api-Key", PortalFactory.ApiKey } } };
        await using var db = await factory.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();

        var first = await (await client.SendAsync(Request())).Content.ReadFromJsonAsync<JsonElement>();
        var rollups = await db.AttemptRollups.SumAsync(r => r.Count);
        var again = await (await client.SendAsync(Request())).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(0, first.GetProperty("duplicates").GetInt32());
        Assert.Equal(1, again.GetProperty("records").GetInt32());
        Assert.Equal(1, again.GetProperty("duplicates").GetInt32());
        Assert.Equal(rollups, await db.AttemptRollups.SumAsync(r => r.Count));
    }

    [Fact]
    public async Task A_body_over_the_limit_gets_413_with_a_json_error_before_it_is_read()
    {
        using var client = PortalClient.Anonymous(factory);
        var big = new HttpRequestMessage(HttpMethod.Post, "/api/ingest/jsonl") { Content = new ByteArrayContent(new byte[2 * 1024 * 1024 + 1]) };
        big.Headers.Add("X-Api-Key", PortalFactory.ApiKey);

        var response = await client.SendAsync(big);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("IngestApi:MaxBodyBytes", json.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("prp_wrong-key")]
    public async Task Without_a_valid_key_the_api_answers_401(string? key)
    {
        using var client = PortalClient.Anonymous(factory);

        var response = await client.SendAsync(Post("jsonl", key));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_signed_in_browser_session_does_not_open_the_api()
    {
        using var client = await PortalClient.SignedInAsync(factory, PortalFactory.AdminEmail, PortalFactory.AdminPassword);

        var response = await client.SendAsync(Post("jsonl", null));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task An_unknown_format_is_a_400_naming_the_formats()
    {
        using var client = PortalClient.Anonymous(factory);

        var response = await client.SendAsync(Post("exim", PortalFactory.ApiKey));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("postfix, pmta, jsonl", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_api_key_verb_prints_a_key_and_the_hash_that_accepts_it()
    {
        var run = await PortalProcess.RunAsync(new Dictionary<string, string>(), "api-key", "mta01");

        Assert.Equal(0, run.ExitCode);
        var json = JsonDocument.Parse(run.Stdout.Trim()).RootElement;
        Assert.Equal(PrPortal.Features.Api.ApiKeyEntry.Hash(json.GetProperty("key").GetString()!), json.GetProperty("sha256").GetString());
    }
}
