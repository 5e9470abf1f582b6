using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace PrPortal.Infrastructure.Smtp;

/// <summary>No recipient was accepted: the transaction stops before DATA.</summary>
public sealed class NoRecipientsAcceptedException() : Exception("No recipient was accepted.");

/// <summary>
/// MailKit's client, keeping every recipient's RCPT reply instead of failing the whole message on
/// the first refusal, and knowing which command it was in when a connection broke.
/// </summary>
public sealed class RecordingSmtpClient : SmtpClient
{
    private readonly StageTracker _tracker;

    public RecordingSmtpClient() : this(new StageTracker())
    {
    }

    private RecordingSmtpClient(StageTracker tracker) : base(tracker)
    {
        _tracker = tracker;
    }

    public Dictionary<string, SmtpResponse> RecipientReplies { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The last command sent: "connect", "EHLO", "MAIL", "RCPT", "DATA" or "QUIT".</summary>
    public string Stage => _tracker.Stage;

    public DateTime LastUsedUtc { get; set; } = DateTime.UtcNow;

    /// <summary>MAIL was accepted but no RCPT was: the server still holds the transaction.</summary>
    public bool TransactionLeftOpen { get; private set; }

    public void BeginTransaction()
    {
        RecipientReplies.Clear();
        TransactionLeftOpen = false;
        _tracker.Stage = "MAIL";
    }

    protected override void OnRecipientAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        RecipientReplies[mailbox.Address] = response;

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        RecipientReplies[mailbox.Address] = response;

    protected override void OnNoRecipientsAccepted(MimeMessage message)
    {
        TransactionLeftOpen = true;
        throw new NoRecipientsAcceptedException();
    }

    private sealed class StageTracker : IProtocolLogger
    {
        public string Stage { get; set; } = "connect";
        public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

        public void LogConnect(Uri uri) => Stage = "connect";

        public void LogClient(byte[] buffer, int offset, int count)
        {
            if (Stage == "DATA" || count < 4)
            {
                return; // message content, not commands
            }
            var verb = System.Text.Encoding.ASCII.GetString(buffer, offset, 4).ToUpperInvariant();
            if (verb is "EHLO" or "HELO" or "MAIL" or "RCPT" or "DATA" or "QUIT" or "RSET" or "NOOP")
            {
                Stage = verb == "HELO" ? "EHLO" : verb;
            }
        }

        public void LogServer(byte[] buffer, int offset, int count)
        {
        }

        public void Dispose()
        {
        }
    }
}
