using MimeKit;
using PrPortal.Features.Delivery;

namespace PrPortal.Tests.Support;

public static class TestMail
{
    public static SendRequest To(SendingRoute route, params string[] recipients) =>
        new(Message(recipients, bodyBytes: 1024), "bounce+test@mail.prportal.example", recipients.Select(r => new OutgoingRecipient(r)).ToList(), route);

    public static MimeMessage Message(IEnumerable<string> recipients, int bodyBytes)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("PrPortal", "release@mail.prportal.example"));
        foreach (var r in recipients)
        {
            if (MailboxAddress.TryParse(r, out var to))
            {
                message.To.Add(to);
            }
        }
        message.Subject = "新製品のお知らせ";
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("mail.prportal.example");
        message.Body = new TextPart("plain") { Text = new string('あ', Math.Max(1, bodyBytes / 3)) };
        return message;
    }
}
