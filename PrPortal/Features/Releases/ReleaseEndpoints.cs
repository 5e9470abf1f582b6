using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using PrPortal.Features.Api;

namespace PrPortal.Features.Releases;

/// <summary>`POST /api/releases` (API key): one release object, an array of them, or JSON lines (application/x-ndjson).</summary>
public static class ReleaseEndpoints
{
    /// <summary>The largest body taken; releases are sent a few at a time.</summary>
    public const long MaxBodyBytes = 64L * 1024 * 1024;

    public static IEndpointRouteBuilder MapReleaseEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var apiKeyOnly = new AuthorizationPolicyBuilder(ApiKeyHandler.SchemeName).RequireAuthenticatedUser().Build();
        endpoints.MapPost("/api/releases", async (HttpContext http, ReleaseImporter importer, ClaimsPrincipal caller) =>
        {
            if (http.Request.ContentLength > MaxBodyBytes)
            {
                return Results.Json(new { error = $"the body is larger than {MaxBodyBytes / 1024 / 1024} MB" }, statusCode: StatusCodes.Status413PayloadTooLarge);
            }
            if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = MaxBodyBytes;
            }
            var actor = caller.Identity?.Name ?? "api";
            try
            {
                if (http.Request.ContentType?.StartsWith("application/x-ndjson", StringComparison.OrdinalIgnoreCase) == true
                    || http.Request.ContentType?.StartsWith("application/jsonl", StringComparison.OrdinalIgnoreCase) == true)
                {
                    using var reader = new StreamReader(http.Request.Body);
                    return Results.Ok(await importer.ImportLinesAsync(reader, actor, http.RequestAborted));
                }
                using var document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
                var result = await importer.ImportJsonAsync(document.RootElement, actor, http.RequestAborted);
                return result.Rejected > 0 && result.Imported + result.Replaced + result.Unchanged == 0
                    ? Results.BadRequest(result) : Results.Ok(result);
            }
            catch (JsonException e)
            {
                return Results.BadRequest(new { error = $"the body is not JSON: {e.Message}" });
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return Results.Json(new { error = $"the body is larger than {MaxBodyBytes / 1024 / 1024} MB" }, statusCode: StatusCodes.Status413PayloadTooLarge);
            }
        }).RequireAuthorization(apiKeyOnly).DisableAntiforgery();
        return endpoints;
    }
}
