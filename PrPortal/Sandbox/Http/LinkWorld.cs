using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace PrPortal.Sandbox.Http;

/// <summary>
/// A small web on one loopback address (HTTP and HTTPS with a self-signed certificate, so TLS fails as it
/// does for a broken site): shorteners, redirect chains, loops, slow and huge pages, downloads. Pages are
/// chosen by Host header and path. The sandbox serves its demo links from one; tests build their own, and
/// a second one on another address serves as the canary that must never be reached.
/// </summary>
public sealed class LinkWorld : IAsyncDisposable
{
    private static readonly System.Globalization.IdnMapping Idn = new();
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<(string Host, string Path), Func<HttpContext, Task>> _pages = new();
    private readonly ConcurrentQueue<string> _log = new();
    private int _requests;

    private LinkWorld(WebApplication app, IPAddress address)
    {
        _app = app;
        Address = address;
    }

    public IPAddress Address { get; }
    public int HttpPort { get; private set; }
    public int HttpsPort { get; private set; }
    /// <summary>Every request that reached this world.</summary>
    public int Requests => _requests;
    public IReadOnlyCollection<string> Log => _log;
    /// <summary>Answers what no page matches; null gives 404.</summary>
    public Func<HttpContext, Task>? Fallback { get; set; }

    public static async Task<LinkWorld> StartAsync(IPAddress address, int httpPort = 0, int httpsPort = 0, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        var certificate = SelfSigned();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o =>
        {
            o.Listen(address, httpPort);
            o.Listen(address, httpsPort, l => l.UseHttps(certificate));
            o.AddServerHeader = false;
        });
        var app = builder.Build();
        var world = new LinkWorld(app, address);
        app.Run(world.AnswerAsync);
        await app.StartAsync(cancellationToken);
        var bound = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a)).ToList();
        world.HttpPort = bound.First(u => u.Scheme == "http").Port;
        world.HttpsPort = bound.First(u => u.Scheme == "https").Port;
        return world;
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=linkworld.sandbox", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    public string Url(string host, string path, bool tls = false) => tls ? $"https://{host}:{HttpsPort}{path}" : $"http://{host}:{HttpPort}{path}";

    public void Map(string host, string path, Func<HttpContext, Task> answer) => _pages[(host.ToLowerInvariant(), path)] = answer;

    public void Redirect(string host, string path, string location, int status = 302) => Map(host, path, context =>
    {
        context.Response.StatusCode = status;
        context.Response.Headers.Location = location;
        return Task.CompletedTask;
    });

    /// <summary>A page; with <paramref name="refuseHead"/> HEAD gets 405 as some servers answer.</summary>
    public void Page(string host, string path, string body, int status = 200, string contentType = "text/html; charset=utf-8",
        string? attachment = null, bool refuseHead = false) => Map(host, path, async context =>
    {
        if (refuseHead && HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = 405;
            return;
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        if (attachment is not null)
        {
            context.Response.Headers.ContentDisposition = $"attachment; filename=\"{attachment}\"";
        }
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.ContentLength = bytes.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(bytes);
        }
    });

    /// <summary>An HTML page that sends one byte a second.</summary>
    public void Trickle(string host, string path) => Map(host, path, async context =>
    {
        context.Response.ContentType = "text/html";
        context.Response.ContentLength = 600;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }
        for (var i = 0; i < 600 && !context.RequestAborted.IsCancellationRequested; i++)
        {
            await context.Response.Body.WriteAsync("<"u8.ToArray(), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(1000, context.RequestAborted);
        }
    });

    /// <summary>An HTML page of the given size, written as fast as the reader takes it.</summary>
    public void Large(string host, string path, long bytes) => Map(host, path, async context =>
    {
        context.Response.ContentType = "text/html";
        context.Response.ContentLength = bytes;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }
        var chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("<p>filler text of a very large page</p>\n", 1640)));
        for (long sent = 0; sent < bytes; sent += chunk.Length)
        {
            await context.Response.Body.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, bytes - sent)), context.RequestAborted);
        }
    });

    private async Task AnswerAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        // Kestrel gives the host decoded to Unicode; pages are registered as links name them, in punycode.
        var host = Idn.GetAscii(context.Request.Host.Host).ToLowerInvariant();
        _log.Enqueue($"{context.Request.Method} {host}{context.Request.Path}");
        if (_pages.TryGetValue((host, context.Request.Path.Value ?? "/"), out var answer) || _pages.TryGetValue(("*", context.Request.Path.Value ?? "/"), out answer))
        {
            try
            {
                await answer(context);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                // The reader went away (a read limit or a timeout on its side).
            }
            return;
        }
        if (Fallback is { } fallback)
        {
            await fallback(context);
            return;
        }
        context.Response.StatusCode = 404;
        await context.Response.WriteAsync("not found");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(TimeSpan.FromSeconds(2));
        await _app.DisposeAsync();
    }
}
