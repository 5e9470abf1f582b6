using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using PrPortal.Features.Api;

namespace PrPortal.Features.SendLog;

/// <summary>`POST /api/ingest/{format}`: log shippers send lines (the request body) with an API key.</summary>
public static class IngestEndpoints
{
    public const long MaxBodyBytes = 100 * 1024 * 1024;

    public static IEndpointRouteBuilder MapIngestEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var apiKeyOnly = new AuthorizationPolicyBuilder(ApiKeyHandler.SchemeName).RequireAuthenticatedUser().Build();
        endpoints.MapPost("/api/ingest/{format}", async (string format, HttpContext http, SendLogIngestor ingestor, TimeProvider clock, ClaimsPrincipal caller) =>
        {
            if (!SendLogIngestor.Formats.Contains(format))
            {
                return Results.BadRequest(new { error = $"unknown format '{format}': use {string.Join(", ", SendLogIngestor.Formats)}" });
            }
            if (http.Request.ContentLength > MaxBodyBytes)
            {
                return Results.Problem($"at most {MaxBodyBytes / 1024 / 1024} MB per request", statusCode: StatusCodes.Status413PayloadTooLarge);
            }
            var source = $"{caller.Identity?.Name}:{http.Request.Query["source"].FirstOrDefault() ?? "stream"}";
            // The parsers read line by line, synchronously: the body is spooled to a temporary file first.
            var spool = Path.GetTempFileName();
            try
            {
                await using (var file = File.Create(spool))
                {
                    var buffer = new byte[81920];
                    long total = 0;
                    int read;
                    while ((read = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
                    {
                        total += read;
                        if (total > MaxBodyBytes)
                        {
                            return Results.Problem($"at most {MaxBodyBytes / 1024 / 1024} MB per request", statusCode: StatusCodes.Status413PayloadTooLarge);
                        }
                        await file.WriteAsync(buffer.AsMemory(0, read), http.RequestAborted);
                    }
                }
                await using var lines = File.OpenRead(spool);
                var result = await ingestor.IngestAsync(format, lines, source, null, clock.GetUtcNow().Year, resume: false, http.RequestAborted);
                return Results.Ok(new { lines = result.Lines, attempts = result.Attempts, rejected_lines = result.RejectedLines, seconds = result.Seconds });
            }
            finally
            {
                File.Delete(spool);
            }
        }).RequireAuthorization(apiKeyOnly).DisableAntiforgery();
        return endpoints;
    }
}
