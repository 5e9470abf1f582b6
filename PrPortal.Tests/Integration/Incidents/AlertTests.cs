using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using PrPortal.Features.Alerts;
using PrPortal.Features.Providers;
using PrPortal.Sandbox.Smtp;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Incidents;

/// <summary>Alerts over real sockets: a webhook receiver and an SMTP server on loopback.</summary>
[Trait("Category", "Integration")]
public sealed class AlertTests : IAsyncLifetime
{
    private readonly HttpListener _webhook = new();
    private readonly List<string> _posts = [];
    private int _failFirst;
    private ProviderSimulator _smtp = default!;
    private string _url = "";

    public async Task InitializeAsync()
    {
        var port = LoopbackPorts.Free();
        _url = $"http://127.0.0.1:{port}/hook/";
        _webhook.Prefixes.Add(_url);
        _webhook.Start();
        _ = Task.Run(async () =>
        {
            while (_webhook.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _webhook.GetContextAsync();
                }
                catch (Exception)
                {
                    return;
                }
                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                if (Interlocked.Decrement(ref _failFirst) >= 0)
                {
                    context.Response.StatusCode = 500; // the first call fails: the alert is retried
                }
                else
                {
                    lock (_posts)
                    {
                        _posts.Add(body);
                    }
                }
                context.Response.Close();
            }
        });
        _smtp = new ProviderSimulator(ProviderProfile.For(MailboxProviderCatalog.Other), new IPEndPoint(IPAddress.Parse("127.0.4.9"), LoopbackPorts.Free()));
        _smtp.Start();
        await Task.CompletedTask;
    }

    private AlertService Service(string format = "json") => new(new AlertOptions
    {
        Webhook = new WebhookAlertOptions { Url = _url, Format = format },
        Email = new EmailAlertOptions { SmtpHost = _smtp.Endpoint.Address.ToString(), SmtpPort = _smtp.Endpoint.Port, StartTls = false, To = ["ops@prportal.example"] },
        MinIntervalSeconds = 300,
    }, new HttpClient(), NullLogger<AlertService>.Instance, TimeProvider.System);

    [Fact]
    public async Task An_opened_incident_is_posted_and_mailed_and_a_failed_post_is_retried()
    {
        _failFirst = 1;
        var alerts = Service();

        await alerts.NotifyAsync(new Alert("incident:1:opened", "incident.opened", "#1 Microsoft: IP block — opened", "203.0.113.10 × microsoft-consumer: (S3150)", 1, DateTime.UtcNow, AlwaysSend: true), default);

        var post = JsonDocument.Parse(Assert.Single(_posts)).RootElement;
        Assert.Equal("incident.opened", post.GetProperty("kind").GetString());
        Assert.Equal(1, post.GetProperty("incident_id").GetInt32());
        Assert.Contains("(S3150)", post.GetProperty("message").GetString());
        Assert.Equal(["ops@prportal.example"], Assert.Single(_smtp.Received).Recipients);
    }

    [Fact]
    public async Task Changes_to_the_same_incident_are_rate_limited_but_opened_and_resolved_always_go()
    {
        var alerts = Service("slack");

        for (var i = 0; i < 5; i++)
        {
            await alerts.NotifyAsync(new Alert("incident:2:changed", "incident.changed", "#2 changed", $"cell {i}", 2, DateTime.UtcNow), default);
        }
        await alerts.NotifyAsync(new Alert("incident:2:resolved", "incident.resolved", "#2 resolved", "all recovered", 2, DateTime.UtcNow, AlwaysSend: true), default);

        Assert.Equal(2, _posts.Count);
        Assert.StartsWith("{\"text\":\"*#2 changed*", _posts[0]);
        Assert.Contains("#2 resolved", _posts[1]);
    }

    public async Task DisposeAsync()
    {
        _webhook.Stop();
        _webhook.Close();
        await _smtp.DisposeAsync();
    }

}
