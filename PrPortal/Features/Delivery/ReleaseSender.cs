using PrPortal.Data.Entities;

namespace PrPortal.Features.Delivery;

/// <summary>One release to one delivery's recipient, as it goes on the wire.</summary>
public sealed record ReleaseMail(long DeliveryId, string Email, string FromAddress, string CompanyName, string Subject, ReleaseContent Content);

/// <summary>
/// Sends one delivery's mail: builds the release message (VERP return path) and hands it to the engine
/// from the given IP, or from one the routing policy allows for the recipient's provider. Test sends,
/// generated traffic and retries of deferred mail all send through here.
/// </summary>
public sealed class ReleaseSender(DeliveryEngine engine, IpPool.RoutingService routing)
{
    public async Task<IReadOnlyList<AttemptResult>> SendAsync(ReleaseMail mail, SendingIp ip, CancellationToken cancellationToken)
    {
        var message = ReleaseMessage.Build(mail.DeliveryId, mail.FromAddress, mail.CompanyName, mail.Email, mail.Subject, ReleaseMessage.Content(mail.Content));
        return await engine.SendAsync(new SendRequest(message, ReleaseMessage.ReturnPath(mail.DeliveryId),
            [new OutgoingRecipient(mail.Email, mail.DeliveryId)], SendingRoute.From(ip)), cancellationToken);
    }

    /// <summary>A message built by the caller (a resend) from the given IP, with the delivery's VERP return path.</summary>
    public Task<IReadOnlyList<AttemptResult>> SendMessageAsync(long deliveryId, string email, MimeKit.MimeMessage message, SendingIp ip, CancellationToken cancellationToken) =>
        engine.SendAsync(new SendRequest(message, ReleaseMessage.ReturnPath(deliveryId), [new OutgoingRecipient(email, deliveryId)], SendingRoute.From(ip)), cancellationToken);

    /// <summary>A mail that is no delivery of a release (a notice to a recipient): the given envelope sender, no delivery to tie it to.</summary>
    public Task<IReadOnlyList<AttemptResult>> SendNoticeAsync(string envelopeFrom, string email, MimeKit.MimeMessage message, SendingIp ip, CancellationToken cancellationToken) =>
        engine.SendAsync(new SendRequest(message, envelopeFrom, [new OutgoingRecipient(email)], SendingRoute.From(ip)), cancellationToken);

    /// <summary>From an IP the routing allows; null when every IP is excluded for the provider (the mail waits).</summary>
    public async Task<IReadOnlyList<AttemptResult>?> SendRoutedAsync(ReleaseMail mail, CancellationToken cancellationToken)
    {
        SendingIp ip;
        try
        {
            ip = await routing.PickForAsync(mail.Email, cancellationToken);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
        return await SendAsync(mail, ip, cancellationToken);
    }
}
