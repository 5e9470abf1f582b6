using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace PrPortal.Tests.Support;

/// <summary>An HTTP client that signs in through the login form, as a browser would.</summary>
public static partial class PortalClient
{
    public static HttpClient Anonymous(WebApplicationFactory<Program> factory) =>
        factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    public static async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string email, string password, string returnUrl = "/")
    {
        var token = TokenIn(await client.GetStringAsync("/account/login"));
        return await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["email"] = email,
            ["password"] = password,
            ["returnUrl"] = returnUrl,
        }));
    }

    public static async Task<HttpClient> SignedInAsync(WebApplicationFactory<Program> factory, string email, string password)
    {
        var client = Anonymous(factory);
        var response = await PostLoginAsync(client, email, password);
        if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.OriginalString.Contains("error=") == true)
        {
            throw new InvalidOperationException($"Sign-in as {email} failed: {response.StatusCode} {response.Headers.Location}");
        }
        return client;
    }

    /// <summary>The antiforgery token of the first form on a page.</summary>
    public static string TokenIn(string page) => AntiforgeryToken().Match(page).Groups[1].Value;

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
