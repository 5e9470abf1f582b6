using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using PrPortal.Features.Api;

namespace PrPortal.Features.LinkRisk;

/// <summary>
/// `POST /api/link-check` with an API key: the release editor sends release HTML (as the body, or as
/// {"html": "…"} in JSON) and gets the same JSON as the verb.
/// </summary>
public static class LinkCheckEndpoints
{
    public static IEndpointRouteBuilder MapLinkCheckEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var apiKeyOnly = new AuthorizationPolicyBuilder(ApiKeyHandler.SchemeName).RequireAuthenticatedUser().Build();
        endpoints.MapPost("/api/link-check", async (HttpContext http, LinkCheckService links, ClaimsPrincipal caller) =>
        {
            var limit = links.Options.MaxHtmlBytes;
            var tooLarge = Results.Problem($"at most {limit / 1024 / 1024} MB of release HTML per request", statusCode: StatusCodes.Status413PayloadTooLarge);
            if (http.Request.ContentLength > limit)
            {
                return tooLarge;
            }
            using var body = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
            {
                if (body.Length + read > limit)
                {
                    return tooLarge;
                }
                body.Write(buffer, 0, read);
            }
            var text = Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length);
            if (http.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) == true)
            {
                try
                {
                    using var json = JsonDocument.Parse(text);
                    text = json.RootElement.TryGetProperty("html", out var html) && html.ValueKind == JsonValueKind.String
                        ? html.GetString()!
                        : throw new JsonException("the JSON has no string property \"html\"");
                }
                catch (JsonException e)
                {
                    return Results.BadRequest(new { error = $"not a JSON object with \"html\": {e.Message}" });
                }
            }
            if (string.IsNullOrWhiteSpace(text))
            {
                return Results.BadRequest(new { error = "no release HTML in the request body" });
            }
            var report = await links.CheckAsync(caller, text, null, http.RequestAborted);
            return Results.Json(report.ToContract());
        }).RequireAuthorization(apiKeyOnly).DisableAntiforgery();
        return endpoints;
    }
}
