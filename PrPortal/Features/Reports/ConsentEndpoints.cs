using Microsoft.AspNetCore.Antiforgery;

namespace PrPortal.Features.Reports;

/// <summary>The company's answer to a consent link: public, trusting nothing but the link's token and the form's antiforgery token.</summary>
public static class ConsentEndpoints
{
    public static void MapConsentEndpoints(this IEndpointRouteBuilder app)
    {
        // Its own path: the answer page itself (a Razor component at /consent/{token}) would match a post too.
        app.MapPost(ConsentService.PathPrefix + "{token}/answer", async (string token, HttpContext http, ConsentService consents, IAntiforgery antiforgery) =>
        {
            var checkedToken = http.Features.Get<IAntiforgeryValidationFeature>();
            if (checkedToken is { IsValid: false } || (checkedToken is null && !await antiforgery.IsRequestValidAsync(http)))
            {
                return Results.BadRequest(new { error = "the answer form's antiforgery token is missing or wrong" });
            }
            var form = await http.Request.ReadFormAsync();
            var answer = form["answer"].ToString();
            if (answer is not ("agree" or "decline"))
            {
                return Results.BadRequest(new { error = "answer must be agree or decline" });
            }
            await consents.AnswerAsync(token, answer == "agree", form["note"].ToString(), http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
            // Whatever happened (answered now, answered before, expired, a bad link), the page says it.
            return Results.Redirect(ConsentService.PathPrefix + Uri.EscapeDataString(token), permanent: false);
        }).AllowAnonymous().WithMetadata(new RequireAntiforgeryTokenAttribute());
    }
}
