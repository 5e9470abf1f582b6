using PrPortal.Features.Providers;

namespace PrPortal.Sandbox.Smtp;

/// <summary>How a real provider answers: its greeting, its acceptance and its block replies, verbatim.</summary>
public sealed record ProviderProfile(string Provider, string Greeting, string Accepted, SimulatedReply Block, string UserUnknown, string MailboxFull)
{
    public static ProviderProfile For(string provider) => provider switch
    {
        MailboxProviderCatalog.MicrosoftConsumer => new(provider,
            "220 BN8NAM12FT012.mail.protection.outlook.com Microsoft ESMTP MAIL Service ready",
            "250 2.6.0 <{msgid}> [InternalId=1099511627776, Hostname=TYCP286MB1234.JPNP286.PROD.OUTLOOK.COM] Queued mail for delivery",
            new(BlockStage.MailFrom, "550 5.7.1 Unfortunately, messages from [{ip}] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors."),
            "550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). [TYZP286MB0000.JPNP286.PROD.OUTLOOK.COM]",
            "552 5.2.2 Mailbox full"),
        MailboxProviderCatalog.Microsoft365 => new(provider,
            "220 TY1PEPF0000A1B2.mail.protection.outlook.com Microsoft ESMTP MAIL Service ready",
            "250 2.6.0 <{msgid}> [InternalId=2199023255552, Hostname=OS3P286MB5678.JPNP286.PROD.OUTLOOK.COM] Queued mail for delivery",
            new(BlockStage.Rcpt, "550 5.7.606 Access denied, banned sending IP [{ip}]. To request removal from this list please visit https://sender.office.com/ and follow the directions. (AS16012609)"),
            "550 5.4.1 Recipient address rejected: Access denied. [OS3P286MB5678.JPNP286.PROD.OUTLOOK.COM]",
            "552 5.2.2 Mailbox full"),
        MailboxProviderCatalog.Google => new(provider,
            "220 mx.google.com ESMTP d9443c01a7336-2a1b2c3d4e5si123456.gsmtp - gsmtp",
            "250 2.0.0 OK  1764460800 d9443c01a7336-2a1b2c3d4e5si123456.gsmtp - gsmtp",
            new(BlockStage.AfterData, "421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from\n421-4.7.28 your IP address [{ip}]. To protect our users from spam, mail sent from your IP\n421-4.7.28 address has been temporarily rate limited. For more information, go to\n421-4.7.28  https://support.google.com/mail/?p=UnsolicitedRateLimitError to review our\n421 4.7.28 Bulk Email Senders Guidelines. d9443c01a7336-2a1b2c3d4e5si123456.gsmtp - gsmtp"),
            "550-5.1.1 The email account that you tried to reach does not exist. Please try\n550-5.1.1 double-checking the recipient's email address for typos or\n550-5.1.1 unnecessary spaces. For more information, go to\n550 5.1.1  https://support.google.com/mail/?p=NoSuchUser d9443c01a7336-2a1b2c3d4e5si123456.gsmtp - gsmtp",
            "552-5.2.2 The recipient's inbox is out of storage space. Please direct the\n552 5.2.2 recipient to https://support.google.com/mail/?p=OverQuotaPerm - gsmtp"),
        MailboxProviderCatalog.YahooJapan or MailboxProviderCatalog.Yahoo => new(provider,
            "220 mta1.mail.yahoo.co.jp ESMTP",
            "250 ok dirdel",
            new(BlockStage.Greeting, "421 4.7.0 [TSS04] Messages from {ip} temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes"),
            "554 delivery error: dd This user doesn't have a yahoo.co.jp account",
            "552 5.2.2 Mailbox full"),
        MailboxProviderCatalog.Docomo => new(provider,
            "220 mfsmax.docomo.ne.jp ESMTP",
            "250 ok",
            new(BlockStage.Rcpt, "550 5.7.1 Message rejected by policy: sending IP [{ip}]"),
            "550 Unknown user {rcpt}",
            "552 5.2.2 Mailbox full"),
        MailboxProviderCatalog.Kddi => new(provider,
            "220 lsean.ezweb.ne.jp ESMTP",
            "250 ok",
            new(BlockStage.ResetInData, ""),
            "550 <{rcpt}>: User unknown",
            "552 5.2.2 Mailbox full"),
        _ => new(provider,
            "220 mx.sandbox.example ESMTP Postfix",
            "250 2.0.0 Ok: queued as 4ABCDEF123",
            new(BlockStage.Rcpt, "554 5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org"),
            "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table",
            "552 5.2.2 <{rcpt}>: Mailbox full"),
    };
}
