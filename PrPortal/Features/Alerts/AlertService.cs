using System.Collections.Concurrent;
using System.Net.Http.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Polly;
using Polly.Retry;

namespace PrPortal.Features.Alerts;

/// <summary>Section "Alerts": where incident alerts go. Passwords come from the environment.</summary>
public sealed record AlertOptions
{
    public EmailAlertOptions Email { get; init; } = new();
    public WebhookAlertOptions Webhook { get; init; } = new();
    /// <summary>The same alert key is sent at most once in this many seconds (opened and resolved always go).</summary>
    public int MinIntervalSeconds { get; init; } = 300;
    public int Retries { get; init; } = 2;
}

public sealed record EmailAlertOptions
{
    public string? SmtpHost { get; init; }
    public int SmtpPort { get; init; } = 587;
    public bool StartTls { get; init; } = true;
    public string? Username { get; init; }
    public string? Password { get; init; }
    public string From { get; init; } = "prportal@mail.prportal.example";
    public string[] To { get; init; } = [];
    public bool Enabled => !string.IsNullOrWhiteSpace(SmtpHost) && To.Length > 0;
}

public sealed record WebhookAlertOptions
{
    public string? Url { get; init; }
    /// <summary>"json" (PrPortal's own payload) or "slack" ({"text": …}).</summary>
    public string Format { get; init; } = "json";
    public bool Enabled => !string.IsNullOrWhiteSpace(Url);
}

/// <summary>One alert; alerts with the same key within the interval are one.</summary>
/// <summary>An alert; <paramref name="AlsoTo"/> names people who get the e-mail besides the configured list (an account manager).</summary>
public sealed record Alert(string Key, string Kind, string Title, string Message, int? IncidentId, DateTime AtUtc, bool AlwaysSend = false,
    IReadOnlyList<string>? AlsoTo = null);

/// <summary>
/// Sends incident alerts by e-mail (MailKit) and to a JSON webhook (Slack-compatible if asked),
/// de-duplicated and rate-limited by key, each channel retried with backoff; a failing channel is
/// logged and never stops detection.
/// </summary>
public sealed class AlertService(AlertOptions options, HttpClient http, ILogger<AlertService> logger, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _sent = new();
    private readonly ResiliencePipeline _retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = Math.Max(0, options.Retries) is 0 ? 1 : options.Retries,
            Delay = TimeSpan.FromMilliseconds(200),
            BackoffType = DelayBackoffType.Exponential,
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
        })
        .AddTimeout(TimeSpan.FromSeconds(10))
        .Build();

    public int Sent { get; private set; }

    public async Task NotifyAsync(Alert alert, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (!alert.AlwaysSend && _sent.TryGetValue(alert.Key, out var last) && now - last < TimeSpan.FromSeconds(options.MinIntervalSeconds))
        {
            return; // the same news within the interval: rate-limited
        }
        _sent[alert.Key] = now;
        if (options.Email.Enabled || (!string.IsNullOrWhiteSpace(options.Email.SmtpHost) && alert.AlsoTo is { Count: > 0 }))
        {
            await TryAsync("e-mail", ct => SendEmailAsync(alert, ct, prefixed: true), cancellationToken);
        }
        if (options.Webhook.Enabled)
        {
            await TryAsync("webhook", ct => PostWebhookAsync(alert, ct), cancellationToken);
        }
        Sent++;
    }

    /// <summary>A report (not an alert): by e-mail only, never rate-limited.</summary>
    public async Task SendReportAsync(string subject, string text, CancellationToken cancellationToken)
    {
        if (options.Email.Enabled)
        {
            await TryAsync("e-mail", ct => SendEmailAsync(new Alert($"report:{subject}", "report", subject, text, null, clock.GetUtcNow().UtcDateTime), ct, prefixed: false), cancellationToken);
        }
    }

    private async Task TryAsync(string channel, Func<CancellationToken, ValueTask> send, CancellationToken cancellationToken)
    {
        try
        {
            await _retry.ExecuteAsync(send, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError(e, "Alert by {Channel} failed after retries", channel);
        }
    }

    private async ValueTask SendEmailAsync(Alert alert, CancellationToken cancellationToken, bool prefixed)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(options.Email.From));
        foreach (var to in options.Email.To.Concat(alert.AlsoTo ?? []).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            message.To.Add(MailboxAddress.Parse(to));
        }
        message.Subject = prefixed ? $"[PrPortal] {alert.Title}" : alert.Title;
        message.Body = new TextPart("plain") { Text = $"{alert.Message}\n\n{alert.Kind} · {alert.AtUtc:u}" + (alert.IncidentId is { } id ? $"\nIncident #{id}" : "") };
        using var smtp = new SmtpClient { Timeout = 10_000 };
        await smtp.ConnectAsync(options.Email.SmtpHost!, options.Email.SmtpPort,
            options.Email.StartTls ? SecureSocketOptions.StartTlsWhenAvailable : SecureSocketOptions.None, cancellationToken);
        if (options.Email.Username is { Length: > 0 } user)
        {
            await smtp.AuthenticateAsync(user, options.Email.Password ?? "", cancellationToken);
        }
        await smtp.SendAsync(message, cancellationToken);
        await smtp.DisconnectAsync(true, cancellationToken);
    }

    private async ValueTask PostWebhookAsync(Alert alert, CancellationToken cancellationToken)
    {
        object payload = options.Webhook.Format == "slack"
            ? new { text = $"*{alert.Title}*\n{alert.Message}" }
            : new { kind = alert.Kind, title = alert.Title, message = alert.Message, incident_id = alert.IncidentId, at = alert.AtUtc };
        using var response = await http.PostAsJsonAsync(options.Webhook.Url, payload, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
