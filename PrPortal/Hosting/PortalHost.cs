using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Localization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using MudBlazor.Services;
using PrPortal.Components;
using PrPortal.Data;
using PrPortal.Features.LinkRisk;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;
using PrPortal.Features.DemoWorld;
using PrPortal.Features.Health;
using PrPortal.Features.Overview;
using PrPortal.Features.SendLog;
using PrPortal.Features.Users;
using PrPortal.Features.Bounces;
using PrPortal.Pipeline;
using PrPortal.Features.Delivery;
using PrPortal.Features.Incidents;
using PrPortal.Features.Releases;

namespace PrPortal.Hosting;

/// <summary>Builds the portal: the web host, or the same services for an ops verb.</summary>
public static class PortalHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            var verb = OpsVerbs.IsVerb(args);
            var app = Build(verb ? [] : args);
            if (verb)
            {
                await using (app)
                {
                    return await OpsVerbs.RunAsync(app, args, CancellationToken.None);
                }
            }
            await app.RunAsync();
            return 0;
        }
        catch (StartupException e)
        {
            Console.Error.WriteLine($"PrPortal cannot start: {e.Message}");
            return e.ExitCode;
        }
    }

    public static WebApplication Build(string[] args)
    {
        var contentRoot = ContentRoot.Resolve();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = contentRoot,
            WebRootPath = Path.Combine(contentRoot, "wwwroot"),
        });
        // Logs go to standard error: a verb's standard output is its JSON and nothing else.
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // A failing statement surfaces as its exception, said once by whoever handles it (a damaged file: one line, exit 3).
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.None);
        // A start-up that fails is said once, by RunAsync below, not again by the host with its stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        // Package assets (MudBlazor, the Blazor script) come from the build's static web asset manifest
        // in every environment, not only Development; a published app has them in its own wwwroot.
        builder.WebHost.UseStaticWebAssets();
        AddPortal(builder);
        var app = builder.Build();
        UsePortal(app);
        return app;
    }

    private static void AddPortal(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;
        var contentRoot = builder.Environment.ContentRootPath;

        var demo = PortalConfiguration.ReadDemo(configuration);
        var seed = PortalConfiguration.ReadSeed(configuration);
        var connectionString = PortalConfiguration.ReadConnectionString(configuration, contentRoot);
        services.AddSingleton(demo);
        services.AddSingleton(seed);
        services.AddSingleton(TimeProvider.System);
        var dns = PortalConfiguration.ReadDns(configuration);
        var delivery = PortalConfiguration.ReadDelivery(configuration);
        var sandbox = PortalConfiguration.ReadSandbox(configuration, demo);
        var snds = PortalConfiguration.ReadSnds(configuration);
        var linkRisk = PortalConfiguration.ReadLinkRisk(configuration);
        if (sandbox.Enabled == true)
        {
            // The sandbox answers every lookup and receives every mail: nothing leaves the machine.
            var world = new Sandbox.SandboxWorld(sandbox);
            sandbox = world.Options;
            services.AddSingleton(world);
            // The demo releases link into the sandbox's web; only its one address and ports are opened.
            linkRisk = linkRisk with
            {
                AllowedTestRanges = [.. linkRisk.AllowedTestRanges, world.LinkWorldRange],
                AllowedPorts = [.. linkRisk.AllowedPorts, .. world.LinkWorldPorts],
            };
            dns = dns with { Servers = [world.DnsEndpoint.ToString()] };
            delivery = delivery with { Mode = "direct", SmtpPort = sandbox.SmtpPort };
            snds = snds with { BaseUrl = world.SndsBaseUrl, Key = world.SndsKey };
        }
        services.AddSingleton(sandbox);
        services.AddSingleton(linkRisk);
        services.AddSingleton<Features.LinkRisk.LinkRiskChecker>();
        services.AddSingleton<Features.LinkRisk.LinkCheckService>();
        if (!string.IsNullOrWhiteSpace(delivery.LogFile))
        {
            delivery = delivery with { LogFile = Path.GetFullPath(delivery.LogFile, contentRoot) };
        }
        services.AddSingleton(dns);
        services.AddSingleton(delivery);
        services.AddDelivery();
        services.AddSingleton(Features.Bounces.BounceRules.Load(configuration, contentRoot));
        // One resolver (its servers, timeout and retries) for delivery, providers and sender authentication.
        services.AddSingleton<Infrastructure.Dns.DnsClientResolver>();
        services.AddSingleton<Infrastructure.Dns.IDnsResolver>(sp => sp.GetRequiredService<Infrastructure.Dns.DnsClientResolver>());
        services.AddSingleton<Features.SenderAuth.ISpfDns>(sp => sp.GetRequiredService<Infrastructure.Dns.DnsClientResolver>());
        services.AddSingleton<Features.Providers.ProviderResolver>();
        services.AddAttemptPipeline();
        services.AddSendLog(configuration);
        services.AddBounces(configuration);
        services.AddSingleton(PortalConfiguration.ReadBlocklists(configuration));
        services.AddSingleton<Features.Blocklists.BlocklistService>();
        services.AddSingleton<Features.Blocklists.BlocklistHistory>();
        services.AddSingleton<Features.Blocklists.ZoneSettings>();
        services.AddSingleton(snds);
        services.AddHttpClient(Features.Blocklists.Snds.SndsImporter.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(snds.TimeoutSeconds));
        services.AddSingleton<Features.Blocklists.Snds.SndsImporter>();
        services.AddSingleton<Features.Blocklists.Snds.SndsStatus>();
        services.AddSingleton<Features.IpPool.IpPoolHealth>();
        services.AddSingleton<Features.IpPool.PoolChanges>();
        services.AddSingleton(PortalConfiguration.ReadRouting(configuration));
        services.AddSingleton<Features.IpPool.RoutingService>();
        services.AddSingleton(PortalConfiguration.ReadRecovery(configuration, sandbox));
        services.AddSingleton<Features.IpPool.IProbeTransport, Features.IpPool.EngineProbeTransport>();
        services.AddSingleton<Features.IpPool.RecoveryCheck>();
        services.AddSingleton<Features.Reports.DailyReportService>();
        services.AddSingleton<Features.Reports.AffectedReportService>();
        services.AddSingleton<Features.Reports.ContactService>();
        services.AddSingleton(PortalConfiguration.Bind<Features.Reports.ConsentOptions>(configuration, "Consent"));
        services.AddSingleton<Features.Reports.ConsentService>();
        services.AddSingleton(PortalConfiguration.Bind<Features.Resend.ResendOptions>(configuration, "Resend"));
        services.AddSingleton<Features.Resend.ResendService>();
        services.AddSingleton<Features.Resend.ResendRunner>();
        services.AddSingleton<Features.Resend.RecipientNoticeService>();
        services.AddSingleton<Features.Resend.ResendKicker>();
        services.AddSingleton(PortalConfiguration.Bind<Features.SenderAuth.SenderAuthOptions>(configuration, "SenderAuth"));
        services.AddSingleton(Features.SenderAuth.PublicSuffixList.Default);
        services.AddSingleton<Features.SenderAuth.DkimKeys>();
        services.AddSingleton<Features.SenderAuth.SenderDomainChecker>();
        services.AddSingleton<Features.SenderAuth.SenderGate>();
        services.AddSingleton<Features.SenderAuth.SenderDomainService>();
        var schedules = PortalConfiguration.ReadSchedules(configuration);
        services.AddSingleton(schedules);
        services.AddPortalScheduler(schedules, connectionString);
        services.AddSingleton<Features.Jobs.JobsService>();
        services.AddSingleton(PortalConfiguration.ReadAlerts(configuration));
        services.AddHttpClient("alerts", c => c.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<Features.Alerts.AlertService>(sp,
            sp.GetRequiredService<IHttpClientFactory>().CreateClient("alerts")));
        services.AddIncidents(configuration);
        services.AddReleases();

        services.AddSingleton(PortalConfiguration.Bind<DatabaseOptions>(configuration, "Database"));
        services.AddSingleton<DatabaseIntegrity>();
        services.AddSingleton<CorruptionInterceptor>();
        services.AddHostedService<DatabaseIntegrityMonitor>();
        services.AddDbContextFactory<PortalDbContext>((sp, o) => o.UseSqlite(connectionString).AddInterceptors(sp.GetRequiredService<CorruptionInterceptor>()));
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext());
        services.AddSingleton<DatabaseInitializer>();
        services.AddHostedService<StartupTasks>();
        if (sandbox.Enabled == true)
        {
            services.AddHostedService<Sandbox.SandboxHostedService>();
            services.AddSingleton<Features.Drill.DrillService>();
        }

        var keyFolder = Path.Combine(Path.GetDirectoryName(new SqliteConnectionStringBuilder(connectionString).DataSource) ?? contentRoot, "keys");
        var dataProtection = services.AddDataProtection()
            .SetApplicationName("PrPortal")
            .PersistKeysToFileSystem(new DirectoryInfo(keyFolder));
        // The keys protect the DKIM private keys and the sign-in cookies: encrypted at rest with the
        // certificate configuration names (its password from the environment), never only file-protected unsaid.
        var keyProtection = PortalConfiguration.ReadKeyProtection(configuration, contentRoot) with { KeyFolder = keyFolder };
        services.AddSingleton(keyProtection);
        if (keyProtection.Certificate is { } certificate)
        {
            // The same certificate decrypts them: it is given, not looked up in a certificate store.
            dataProtection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }

        services.AddSingleton(PortalConfiguration.Bind<SignInLimits>(configuration, "SignIn"));
        services.AddSingleton<SignInThrottle>();
        var forwarded = PortalConfiguration.ReadForwardedHeaders(configuration);
        services.Configure<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto;
            // Only the proxies named in configuration are believed; the defaults (loopback) are not assumed.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in forwarded.KnownProxies)
            {
                o.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
            }
            foreach (var network in forwarded.KnownNetworks)
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
            o.ForwardLimit = forwarded.ForwardLimit;
        });
        services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(365);
            o.IncludeSubDomains = false;
        });
        services.AddAntiforgery(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = IdentityConstants.ApplicationScheme;
                o.DefaultSignInScheme = IdentityConstants.ApplicationScheme;
            })
            .AddIdentityCookies();
        services.AddAuthentication().AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, Features.Api.ApiKeyHandler>(Features.Api.ApiKeyHandler.SchemeName, null);
        services.AddSingleton(PortalConfiguration.ReadApi(configuration));
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = AccountEndpoints.LoginPath;
            o.AccessDeniedPath = AccountEndpoints.AccessDeniedPath;
            o.Cookie.Name = "PrPortal.Auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            // Secure whenever the request came over HTTPS (behind a proxy: as its X-Forwarded-Proto says).
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromHours(12);
            o.SlidingExpiration = true;
            // API callers get status codes, not a redirect to the login page.
            o.Events.OnRedirectToLogin = ctx => RedirectOrStatus(ctx, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx => RedirectOrStatus(ctx, StatusCodes.Status403Forbidden);
        });
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));
        var signInOptions = PortalConfiguration.Bind<SignInLimits>(configuration, "SignIn");
        services.AddIdentityCore<PortalUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 10;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = signInOptions.LockoutFailures;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(signInOptions.LockoutMinutes);
            })
            .AddRoles<IdentityRole>()
            .AddErrorDescriber<Features.Account.PortalIdentityErrors>()
            .AddEntityFrameworkStores<PortalDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        // Every page and endpoint needs a signed-in user with one of the three roles unless it says
        // otherwise (sign-in is anonymous; the access-denied page and sign-out need only a signed-in user).
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(PortalRoles.All).Build());
        services.AddCascadingAuthenticationState();
        services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, RevalidatingAuthenticationStateProvider>();

        services.AddLocalization();
        services.Configure<RequestLocalizationOptions>(o =>
        {
            o.SetDefaultCulture(PortalCultures.Japanese)
                .AddSupportedCultures(PortalCultures.Supported)
                .AddSupportedUICultures(PortalCultures.Supported);
            // Japanese unless the user chose otherwise; the browser's language does not decide.
            o.RequestCultureProviders = [new CookieRequestCultureProvider()];
        });

        // Japanese text goes out as text, not as numeric character references.
        services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(o =>
            o.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database").AddCheck<FollowerHealthCheck>("send-log-followers");

        services.AddScoped<AdminSeeder>();
        services.AddSingleton<DemoWorldSeeder>();
        services.AddSingleton<UserService>();
        services.AddSingleton<OverviewService>();
    }

    private static void UsePortal(WebApplication app)
    {
        // First: the client's address and scheme as the configured proxies say (sign-in throttling, Secure cookies, HSTS).
        app.UseForwardedHeaders();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
            app.UseHsts();
        }
        // Said when the portal starts (not by every verb, whose standard error is its one-line answer).
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            if (app.Services.GetRequiredService<KeyProtection>().Certificate is null)
            {
                app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PrPortal.DataProtection").LogWarning(
                    "Data-protection keys (they protect the DKIM private keys and sign-in cookies) are only file-protected in {Folder}: " +
                    "set DataProtection:CertificatePath (and DataProtection__CertificatePassword in the environment) to encrypt them at rest",
                    app.Services.GetRequiredService<KeyProtection>().KeyFolder);
            }
        });
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        // Machine callers (API, the Blazor hub) and the sign-in posts keep their status codes as they are.
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/_blazor")
                || context.Request.Path.StartsWithSegments("/account"))
            {
                context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>()?.Enabled = false;
            }
            return next(context);
        });
        // The portal's own files in wwwroot/ (styles, icon) are public, like the package assets below;
        // they are served before routing so no page route can shadow them.
        app.UseStaticFiles();
        app.UseRouting();
        app.UseRequestLocalization();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapStaticAssets().AllowAnonymous();
        app.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = WriteHealthAsync }).AllowAnonymous();
        app.MapAccountEndpoints();
        app.MapIngestEndpoints();
        app.MapReleaseEndpoints();
        Features.Reports.ConsentEndpoints.MapConsentEndpoints(app);
        app.MapLinkCheckEndpoints();
        // Signed-in users only, like every page (the fallback policy): the CSV of the blocklist history.
        Features.Blocklists.BlocklistHistory.MapEndpoints(app);
        Features.Reports.AffectedCsv.MapEndpoints(app);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
    }

    private static Task RedirectOrStatus(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/_blazor"))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    private static Task WriteHealthAsync(HttpContext context, Microsoft.Extensions.Diagnostics.HealthChecks.HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString().ToLowerInvariant(), description = e.Value.Description }),
        }));
    }
}
