using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;
using PrPortal.Tests.Support;
using Xunit.Abstractions;

namespace PrPortal.Tests.Integration;

/// <summary>
/// Sign-in as an attacker meets it, against the portal running as its own process on a real socket behind
/// a "proxy" (this test, from 127.0.0.1, naming clients in X-Forwarded-For): the same work and answer for
/// every kind of failure, failed sign-ins throttled per client, no lock-out of someone else at will, the
/// lockout kept for attacks from many clients, and what a proxy's HTTPS means for cookies and HSTS.
/// </summary>
[Trait("Category", "Integration")]
[Collection(nameof(TimedAlone))]
public sealed class SignInSecurityTests : IAsyncLifetime
{
    private const string Password = "Right-Pass-12345!";
    private readonly ITestOutputHelper _output;
    private readonly PortalFactory _portal = new();
    private PortalProcess.Web? _web;

    public SignInSecurityTests(ITestOutputHelper output) => _output = output;

    public async Task InitializeAsync()
    {
        _ = _portal.Server;
        using (var scope = _portal.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            foreach (var (email, disabled, locked) in new[] { ("real@test.prportal.local", false, false), ("gone@test.prportal.local", true, false),
                         ("locked@test.prportal.local", false, true), ("victim@test.prportal.local", false, false), ("target@test.prportal.local", false, false) })
            {
                var user = new PortalUser { UserName = email, Email = email, EmailConfirmed = true, IsDisabled = disabled, LockoutEnabled = true };
                Assert.True((await users.CreateAsync(user, Password)).Succeeded);
                await users.AddToRoleAsync(user, PortalRoles.Support);
                if (disabled || locked)
                {
                    await users.SetLockoutEndDateAsync(user, disabled ? DateTimeOffset.MaxValue : DateTimeOffset.UtcNow.AddHours(1));
                }
            }
        }
        var environment = PortalProcess.Environment(_portal.DatabasePath);
        environment["ForwardedHeaders__KnownProxies__0"] = "127.0.0.1";
        environment["Schedules__Enabled"] = "false";
        _web = await PortalProcess.StartWebAsync(environment);
    }

    public async Task DisposeAsync()
    {
        if (_web is not null)
        {
            await _web.DisposeAsync();
        }
        _portal.Dispose();
    }

    /// <summary>
    /// A browser at the given client address (as the proxy says), with its own cookies. Its cookies are
    /// kept by hand: the hop from the "proxy" is plain http, where a cookie jar would not send Secure ones.
    /// </summary>
    private HttpClient Browser(string client, string scheme = "http")
    {
        var http = new HttpClient(new CookieKeeper(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }))
        {
            BaseAddress = new Uri(_web!.BaseUrl),
        };
        http.DefaultRequestHeaders.Add("X-Forwarded-For", client);
        http.DefaultRequestHeaders.Add("X-Forwarded-Proto", scheme);
        // The site's own name, as the proxy passes it (HSTS is never sent for localhost names).
        http.DefaultRequestHeaders.Host = "portal.prportal.example";
        return http;
    }

    private static async Task<(HttpResponseMessage Response, double Ms)> SignInAsync(HttpClient browser, string email, string password, string returnUrl = "/")
    {
        var token = PortalClient.TokenIn(await browser.GetStringAsync("/account/login"));
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["email"] = email, ["password"] = password, ["returnUrl"] = returnUrl,
        });
        var watch = Stopwatch.StartNew();
        var response = await browser.PostAsync("/account/login", form);
        return (response, watch.Elapsed.TotalMilliseconds);
    }

    private static bool SignedIn(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("PrPortal.Auth=", StringComparison.Ordinal));

    [Fact]
    public async Task Unknown_disabled_locked_and_wrong_password_get_the_same_answer_in_the_same_time()
    {
        var cases = new (string Name, string Email, string Password)[]
        {
            ("unknown address", "nobody@test.prportal.local", "Some-Pass-123!"),
            ("disabled account", "gone@test.prportal.local", Password),
            ("locked account", "locked@test.prportal.local", Password),
            ("wrong password", "real@test.prportal.local", "Wrong-Pass-123!"),
        };
        var times = cases.ToDictionary(c => c.Name, _ => new List<double>());
        var answers = new HashSet<string>();
        var client = 0;
        // Interleaved rounds, each case from its own client address (a client may fail only a few times).
        for (var round = 0; round < 20; round++)
        {
            foreach (var c in cases)
            {
                using var browser = Browser($"198.51.100.{++client % 250 + 1}");
                var (response, ms) = await SignInAsync(browser, c.Email, c.Password);
                Assert.False(SignedIn(response), c.Name);
                answers.Add($"{(int)response.StatusCode} {response.Headers.Location}");
                if (round >= 2)
                {
                    times[c.Name].Add(ms); // the first rounds warm up
                }
            }
        }
        var medians = times.ToDictionary(t => t.Key, t => t.Value.Order().ElementAt(t.Value.Count / 2));
        _output.WriteLine("median ms: " + string.Join(", ", medians.Select(m => $"{m.Key} {m.Value:0.0}")));

        Assert.Equal("302 /account/login?ReturnUrl=%2F&error=invalid", Assert.Single(answers));
        var slowest = medians.Values.Max();
        var fastest = medians.Values.Min();
        Assert.True(fastest > 5, $"no password hash computed ({fastest:0.0} ms)");
        Assert.True(slowest / fastest < 1.35, "medians differ: " + string.Join(", ", medians.Select(m => $"{m.Key} {m.Value:0.0} ms")));
    }

    [Fact]
    public async Task One_client_is_throttled_after_five_failures_and_cannot_lock_someone_else_out()
    {
        using var attacker = Browser("203.0.113.66");
        for (var i = 0; i < 5; i++)
        {
            var (failed, _) = await SignInAsync(attacker, "victim@test.prportal.local", $"Guess-{i}-Pass!");
            Assert.Contains("error=invalid", failed.Headers.Location!.OriginalString);
        }
        // Now the client waits, whatever it tries, even a right password.
        var (throttled, _) = await SignInAsync(attacker, "real@test.prportal.local", Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("id=\"login-throttled\"", await throttled.Content.ReadAsStringAsync());

        // The victim, from their own address, signs in at once: five failures did not lock the account.
        using var victim = Browser("192.0.2.10");
        var (signedIn, _) = await SignInAsync(victim, "victim@test.prportal.local", Password);
        Assert.True(SignedIn(signedIn), $"{signedIn.StatusCode} {signedIn.Headers.Location}");
    }

    [Fact]
    public async Task Failures_from_many_clients_still_lock_the_account_and_an_administrator_lifts_it()
    {
        for (var i = 0; i < 10; i++)
        {
            using var attacker = Browser($"203.0.113.{100 + i / 4}");
            await SignInAsync(attacker, "target@test.prportal.local", $"Guess-{i}-Pass!");
        }
        using var owner = Browser("192.0.2.20");
        var (refused, _) = await SignInAsync(owner, "target@test.prportal.local", Password);
        Assert.Contains("error=invalid", refused.Headers.Location!.OriginalString);

        var admin = TestUsers.As(PortalRoles.Admin);
        var users = _portal.Service<Features.Users.UserService>();
        var row = (await users.ListAsync(admin, default)).Single(u => u.Email == "target@test.prportal.local");
        Assert.True(row.IsLocked);
        Assert.True((await users.UnlockAsync(admin, row.Id, default)).Succeeded);
        var (signedIn, _) = await SignInAsync(owner, "target@test.prportal.local", Password);
        Assert.True(SignedIn(signedIn), $"{signedIn.StatusCode} {signedIn.Headers.Location}");
    }

    [Fact]
    public async Task Behind_the_proxy_https_gives_secure_cookies_and_hsts_and_sign_out_needs_its_token()
    {
        using var browser = Browser("192.0.2.30", scheme: "https");
        var login = await browser.GetAsync("/account/login");
        Assert.Contains(login.Headers, h => h.Key == "Strict-Transport-Security");
        var (signedIn, _) = await SignInAsync(browser, "real@test.prportal.local", Password);
        var auth = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("PrPortal.Auth=", StringComparison.Ordinal));
        Assert.Contains("secure", auth, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", auth, StringComparison.OrdinalIgnoreCase);

        // Sign-out without the form's antiforgery token is refused; with it, it signs out.
        var forged = await browser.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        var home = await browser.GetStringAsync("/");
        var logout = await browser.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = PortalClient.TokenIn(home) }));
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.Equal("/account/login", logout.Headers.Location!.OriginalString);

        // Plain http: no HSTS, no Secure.
        using var plain = Browser("192.0.2.31");
        var (plainSignIn, _) = await SignInAsync(plain, "real@test.prportal.local", Password);
        Assert.DoesNotContain("secure", plainSignIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("PrPortal.Auth=", StringComparison.Ordinal)), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain((await plain.GetAsync("/account/login")).Headers, h => h.Key == "Strict-Transport-Security");
    }

    private sealed class CookieKeeper(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private readonly Dictionary<string, string> _cookies = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (_cookies.Count > 0)
            {
                request.Headers.Add("Cookie", string.Join("; ", _cookies.Select(c => $"{c.Key}={c.Value}")));
            }
            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var set))
            {
                foreach (var cookie in set)
                {
                    var pair = cookie.Split(';')[0];
                    var eq = pair.IndexOf('=');
                    if (eq > 0)
                    {
                        _cookies[pair[..eq]] = pair[(eq + 1)..];
                    }
                }
            }
            return response;
        }
    }
}

/// <summary>Tests that time what they do run after the others, one at a time, so the machine's load does not blur the figures.</summary>
[CollectionDefinition(nameof(TimedAlone), DisableParallelization = true)]
public sealed class TimedAlone;
