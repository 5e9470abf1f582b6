using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Features;
using PrPortal.Features.Api;

namespace PrPortal.Features.SendLog;

/// <summary>Section "IngestApi".</summary>
public sealed record IngestApiOptions : Hosting.IValidatedOptions
{
    /// <summary>The largest request body `POST /api/ingest/…` takes; a larger one is refused with 413 before it is read.</summary>
    public long MaxBodyBytes { get; init; } = 100L * 1024 * 1024;

    public IEnumerable<(string Key, string Problem)> Validate()
    {
        if (MaxBodyBytes is < 1024 or > 16L * 1024 * 1024 * 1024)
        {
            yield return (nameof(MaxBodyBytes), $"must be 1024 bytes to 16 GB (is {MaxBodyBytes})");
        }
    }
}

/// <summary>`POST /api/ingest/{format}?source=NAME`: log shippers send lines (the request body) with an API key.</summary>
public static class IngestEndpoints
{
    public static IEndpointRouteBuilder MapIngestEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var apiKeyOnly = new AuthorizationPolicyBuilder(ApiKeyHandler.SchemeName).RequireAuthenticatedUser().Build();
        endpoints.MapPost("/api/ingest/{format}", async (string format, HttpContext http, SendLogIngestor ingestor, IngestApiOptions options,
            TimeProvider clock, ClaimsPrincipal caller) =>
        {
            var limit = options.MaxBodyBytes;
            IResult TooLarge() => Results.Json(new { error = $"the body is larger than {limit} bytes ({limit / 1024 / 1024} MB), the limit of this endpoint (IngestApi:MaxBodyBytes)" },
                statusCode: StatusCodes.Status413PayloadTooLarge);
            if (!SendLogIngestor.Formats.Contains(format))
            {
                return Results.BadRequest(new { error = $"unknown format '{format}': use {string.Join(", ", SendLogIngestor.Formats)}" });
            }
            if (http.Request.ContentLength > limit)
            {
                return TooLarge();
            }
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = limit + 1;
            }
            // The same source name as the files' makes a body re-posted, or sent both ways, count once.
            var source = http.Request.Query["source"].FirstOrDefault() is { Length: > 0 and <= 200 } named ? named : format;
            // The body is spooled to a temporary file first, counting bytes, so a body without a length is cut at the limit.
            var spool = Path.GetTempFileName();
            try
            {
                await using (var file = File.Create(spool))
                {
                    var buffer = new byte[81920];
                    long total = 0;
                    int read;
                    try
                    {
                        while ((read = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
                        {
                            total += read;
                            if (total > limit)
                            {
                                return TooLarge();
                            }
                            await file.WriteAsync(buffer.AsMemory(0, read), http.RequestAborted);
                        }
                    }
                    catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
                    {
                        return TooLarge();
                    }
                }
                await using var lines = File.OpenRead(spool);
                var result = await ingestor.IngestStreamAsync(format, lines, source, clock.GetUtcNow().Year, http.RequestAborted);
                return Results.Ok(result.ToJson());
            }
            finally
            {
                File.Delete(spool);
            }
        }).RequireAuthorization(apiKeyOnly).DisableAntiforgery();
        return endpoints;
    }
}
