using System.Net;
using System.Text;
using MailKit.Net.Smtp;
using MimeKit;

namespace PrPortal.Sandbox.Smtp;

/// <summary>
/// A smarthost that behaves as Postfix in front of the providers does (`Delivery:Mode=relay`): it accepts
/// every message at once, then sends it on to the recipient's provider from the same sending IP the
/// message came in on (Postfix's per-IP transports), and when the provider refuses, returns a bounce
/// (RFC 3464, with the original headers) to the envelope sender through <paramref name="returnBounce"/>.
/// So refusals reach the portal only as bounces, as they do behind a real relay.
/// </summary>
public sealed class SandboxRelay(SandboxWorld world, IPEndPoint endpoint, Func<string, CancellationToken, Task<string>> providerOf,
    Func<MimeMessage, CancellationToken, Task> returnBounce, TimeProvider? clock = null) : IAsyncDisposable
{
    private static readonly ProviderProfile Profile = new("relay", "220 relay.mail.prportal.example ESMTP Postfix", "250 2.0.0 Ok: queued as {msgid}",
        new SimulatedReply(BlockStage.Rcpt, "554 5.7.1 Relay access denied"), "550 5.1.1 User unknown", "552 5.2.2 Mailbox full");

    private readonly ProviderSimulator _server = new(Profile, endpoint, world.ProductionAddress) { KeepMessages = true };
    private int _forwarded;

    public IPEndPoint Endpoint => _server.Endpoint;
    private DateTimeOffset Now => (clock ?? TimeProvider.System).GetUtcNow();
    public int Bounced { get; private set; }

    public void Start() => _server.Start();

    /// <summary>Sends on every message taken since the last call; returns how many recipients were refused and bounced.</summary>
    public async Task<int> ForwardAsync(CancellationToken cancellationToken)
    {
        var bounced = 0;
        foreach (var mail in _server.Received.Skip(_forwarded).ToList())
        {
            _forwarded++;
            var message = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(mail.Raw!)), cancellationToken);
            var bind = world.BindAddress(mail.SourceIp) ?? IPAddress.Loopback;
            foreach (var recipient in mail.Recipients)
            {
                var provider = await providerOf(recipient[(recipient.LastIndexOf('@') + 1)..], cancellationToken);
                var refusal = await SendOnAsync(message, mail.MailFrom, recipient, bind, world.Simulator(provider).Endpoint, cancellationToken);
                if (refusal is { } reply)
                {
                    await returnBounce(Bounce(message, mail.MailFrom, recipient, reply), cancellationToken);
                    bounced++;
                }
            }
        }
        Bounced += bounced;
        return bounced;
    }

    private static async Task<SmtpCommandException?> SendOnAsync(MimeMessage message, string from, string recipient, IPAddress bind, IPEndPoint mx,
        CancellationToken cancellationToken)
    {
        using var client = new SmtpClient { LocalEndPoint = new IPEndPoint(bind, 0), Timeout = 10_000 };
        try
        {
            await client.ConnectAsync(mx.Address.ToString(), mx.Port, MailKit.Security.SecureSocketOptions.None, cancellationToken);
            await client.SendAsync(message, MailboxAddress.Parse(from), [MailboxAddress.Parse(recipient)], cancellationToken);
            await client.DisconnectAsync(true, cancellationToken);
            return null;
        }
        catch (SmtpCommandException refused)
        {
            return refused;
        }
    }

    /// <summary>The bounce Postfix writes: a human part, the delivery status, and the returned headers.</summary>
    private MimeMessage Bounce(MimeMessage original, string envelopeFrom, string recipient, SmtpCommandException refused)
    {
        var code = (int)refused.StatusCode;
        var text = refused.Message.Replace("\n", " ");
        var status = System.Text.RegularExpressions.Regex.Match(text, @"\b[245]\.\d{1,3}\.\d{1,3}\b") is { Success: true } m ? m.Value : $"{code / 100}.0.0";
        var delivery = new MessageDeliveryStatus();
        delivery.StatusGroups.Add(new HeaderList { { "Reporting-MTA", "dns; relay.mail.prportal.example" }, { "Arrival-Date", Now.ToString("r") } });
        delivery.StatusGroups.Add(new HeaderList
        {
            { "Final-Recipient", $"rfc822; {recipient}" },
            { "Original-Recipient", $"rfc822;{recipient}" },
            { "Action", code >= 500 ? "failed" : "delayed" },
            { "Status", status },
            { "Diagnostic-Code", $"smtp; {code} {text}" },
        });
        var headers = new StringBuilder();
        foreach (var header in original.Headers)
        {
            headers.Append(header.ToString()).Append("\r\n");
        }
        var bounce = new MimeMessage
        {
            Subject = "Undelivered Mail Returned to Sender",
            MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("relay.mail.prportal.example"),
            Date = Now,
        };
        bounce.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@relay.mail.prportal.example"));
        bounce.To.Add(MailboxAddress.Parse(envelopeFrom));
        bounce.Body = new MultipartReport("delivery-status")
        {
            new TextPart("plain") { Text = $"This is the mail system at host relay.mail.prportal.example.\n\nI'm sorry to have to inform you that your message could not be delivered to one or more recipients.\n\n<{recipient}>: host said: {code} {text}\n" },
            delivery,
            new TextPart("rfc822-headers") { Text = headers.ToString() },
        };
        return bounce;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
