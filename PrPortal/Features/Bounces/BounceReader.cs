using System.Text.RegularExpressions;
using AngleSharp.Html.Parser;
using MimeKit;

namespace PrPortal.Features.Bounces;

/// <summary>One recipient of a bounce: who, what the reporting MTA said, and the codes found in it.</summary>
/// <remarks><paramref name="DiagnosticType"/> is the Diagnostic-Code's type ("smtp", "x-unix", …) when a DSN gives one.
/// <paramref name="Unreported"/> is true when a delivery report came without any per-recipient result (Postfix's
/// "Delivery report unavailable"): the notice says nothing about this recipient, whatever its text.</remarks>
public sealed record BounceRecipient(string Recipient, string? Action, string? Status, int? ReplyCode, string Diagnostic, string? DiagnosticType = null, bool Unreported = false);

/// <summary>What a returned mail reports: a standard DSN, a plain-text bounce, a feedback (ARF) report or an auto-reply.</summary>
public sealed record BounceReport(string Kind, IReadOnlyList<BounceRecipient> Recipients)
{
    public const string Dsn = "dsn", Text = "text", Feedback = "feedback", AutoReply = "autoreply", Nothing = "none";
}

/// <summary>
/// Reads bounces with MimeKit: RFC 3464 message/delivery-status first (with the human-readable part
/// for the full server reply when the DSN's own diagnostic is short), then the common plain-text
/// formats (qmail, Exim, Sendmail, Notes, carriers), where each failed address is followed by what
/// the remote server said. Pure: takes a parsed message, returns what it reports.
/// </summary>
public static partial class BounceReader
{

    // Sendmail's header line; Zoho writes it above the failed addresses, so it is not always the end of the notice.
    private const string OriginalReceived = "The original message was received";

    private static readonly string[] ReturnedMessageMarkers =
    [
        "--- Below this line is a copy of the message", "------ This is a copy of the message", "----- Original message -----",
        "--- The header of the original message", "------ Original message", "Original message follows",
        "--------Returned Mail--------", "Content-Type: message/rfc822", "--- Original message follows", OriginalReceived,
        "------ The header of the original message is attached", "----- Unsent message follows", "------- Returned Message --------",
    ];

    public static BounceReport Read(MimeMessage message)
    {
        if (IsFeedback(message))
        {
            // One report may name several recipients (Original-Rcpt-To once each).
            var reported = ReportedRecipients(message);
            return new BounceReport(BounceReport.Feedback, [.. (reported.Count > 0 ? reported : [OriginalRecipient(message) ?? ""])
                .Select(to => new BounceRecipient(to, null, null, null, "feedback-report"))]);
        }
        // A reply asking to unsubscribe (the List-Unsubscribe mailto) is the recipient's opt-out: feedback.
        if (UnsubscribeSubject().IsMatch(message.Subject ?? ""))
        {
            return new BounceReport(BounceReport.Feedback, [new BounceRecipient(message.From.Mailboxes.FirstOrDefault()?.Address ?? "", null, null, null, "unsubscribe")]);
        }

        var text = HumanText(message);
        var statuses = message.BodyParts.OfType<MessageDeliveryStatus>().ToList();
        if (statuses.Count > 0)
        {
            var recipients = new List<BounceRecipient>();
            // The first group holds the per-message fields; a report that writes its one recipient's fields into
            // that same block (no blank line between) still names the recipient there, with the Status RFC 3464
            // requires of a recipient (a block without one is read from the notice's text, as before).
            var groups = statuses.SelectMany(s => s.StatusGroups.Where((g, i) => i > 0
                || ((g.Contains("Final-Recipient") || g.Contains("Original-Recipient")) && g.Contains("Status")))).ToList();
            foreach (var group in groups)
            {
                var address = Address(group["Final-Recipient"]) ?? Address(group["Original-Recipient"]);
                if (address is null)
                {
                    continue;
                }
                var diagnostic = Unfold(After(group["Diagnostic-Code"], ';'));
                var paragraph = ParagraphAbout(text, address);
                // The readable part often carries the whole reply where the DSN field is cut short.
                if (paragraph.Length > 0 && !diagnostic.Contains(paragraph, StringComparison.OrdinalIgnoreCase))
                {
                    diagnostic = diagnostic.Length == 0 ? paragraph : diagnostic + "\n" + paragraph;
                }
                // Nothing said of this recipient by name: the one recipient's reply is the session transcript's (Sendmail).
                diagnostic = diagnostic.Length == 0 && groups.Count == 1 ? TranscriptReplies(text) : diagnostic;
                diagnostic = groups.Count == 1 ? WithStatement(diagnostic, Statement(text, address)) : diagnostic;
                diagnostic += TranscriptCommand(text, address, groups.Count == 1);
                var status = Unfold(group["Status"]).Split(' ').FirstOrDefault(s => StatusPattern().IsMatch(s)) ?? FindStatus(diagnostic);
                recipients.Add(new BounceRecipient(address, Unfold(group["Action"]).ToLowerInvariant(), status, FindReplyCode(diagnostic), diagnostic, TypeOf(group["Diagnostic-Code"])));
            }
            if (recipients.Count > 0)
            {
                return new BounceReport(BounceReport.Dsn, recipients);
            }
        }

        // Amazon SES's JSON notification names its recipients in the JSON.
        if (SesNotification.Read(FullText(message)) is { } ses)
        {
            return ses;
        }

        // A DSN forwarded or pasted into a plain-text notice still has its fields.
        var pasted = DsnFieldsInText(FullText(message), text);
        if (pasted.Count > 0)
        {
            return new BounceReport(BounceReport.Dsn, pasted);
        }

        // An out-of-office reply names people to contact instead: it is not a bounce of theirs.
        // (…unless it quotes an SMTP refusal: a bounce relayed by an auto-responding system is still a bounce.)
        if (IsAutoReply(message) && !BounceSubject().IsMatch(message.Subject ?? "") && !SmtpRefusal().IsMatch(text))
        {
            return new BounceReport(BounceReport.AutoReply, [new BounceRecipient(message.From.Mailboxes.FirstOrDefault()?.Address ?? "", null, null, null, "auto-reply")]);
        }

        // Some notices name the failed address where a returned-message marker would cut it off
        // (Zoho's "The original message was received" comes first), or bounce a mail the sender sent to itself.
        var textRecipients = TextBounce(message, text, allowTo: false);
        if (textRecipients.Count == 0 && HumanText(message, [.. ReturnedMessageMarkers.Where(m => m != OriginalReceived)]) is var longer && longer.Length > text.Length)
        {
            textRecipients = TextBounce(message, longer, allowTo: false);
        }
        if (textRecipients.Count == 0)
        {
            textRecipients = TextBounce(message, text, allowTo: true);
        }
        if (textRecipients.Count > 0)
        {
            // A delivery report with no recipient in it reports nothing about the one found in its text.
            return new BounceReport(BounceReport.Text, statuses.Count > 0 ? [.. textRecipients.Select(r => r with { Unreported = true })] : textRecipients);
        }
        if (IsAutoReply(message))
        {
            return new BounceReport(BounceReport.AutoReply, [new BounceRecipient(message.From.Mailboxes.FirstOrDefault()?.Address ?? "", null, null, null, "auto-reply")]);
        }
        return new BounceReport(BounceReport.Nothing, []);
    }

    private static List<BounceRecipient> TextBounce(MimeMessage message, string text, bool allowTo)
    {
        var own = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var mailbox in message.From.Mailboxes.Concat(allowTo ? [] : message.To.Mailboxes).Concat(message.Sender is null ? [] : [message.Sender]))
        {
            own.Add(mailbox.Address);
        }
        var failedHeader = message.Headers["X-Failed-Recipients"];
        var candidates = new List<string>();
        if (!string.IsNullOrWhiteSpace(failedHeader))
        {
            candidates.AddRange(failedHeader.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        foreach (Match m in EmailPattern().Matches(text))
        {
            // "To: …" and "From: …" lines quote the original mail's headers (Exchange's "Your message To: …").
            if (QuotedHeaderLine().IsMatch(text[(text.LastIndexOf('\n', m.Index) + 1)..m.Index]))
            {
                continue;
            }
            // A message's own identifiers and trace lines (Message-ID, References, Received) name no recipient.
            if (TraceHeaderLine().IsMatch(text[(text.LastIndexOf('\n', m.Index) + 1)..m.Index]))
            {
                continue;
            }
            var address = m.Value.Trim('<', '>', '.', ':', ';', '"', '\'', '(', ')', '[', ']');
            // A file or pipe a local delivery wrote to ("/home/neko/mbox/kijitora@…") is not a mailbox.
            if (address.StartsWith('/') || address.StartsWith('|'))
            {
                continue;
            }
            if (!own.Contains(address) && !IsSystemAddress(address) && !candidates.Contains(address, StringComparer.OrdinalIgnoreCase))
            {
                candidates.Add(address);
            }
        }
        if (candidates.Count == 0 && !allowTo && (OriginalRecipient(message) ?? ReturnedTo(message)) is { } original)
        {
            candidates.Add(original);
        }
        return candidates.Select(address =>
        {
            var paragraph = ParagraphAbout(text, address);
            // Some notices (au, Notes, Exchange) say why above the address list: then the whole notice is the diagnostic.
            // (…not when it names several recipients each with its own words: those are each one's, with or without a code.)
            var itsOwn = candidates.Count > 1 && paragraph.Length > address.Length + 8;
            var diagnostic = itsOwn || (paragraph.Length > 0 && (FindReplyCode(paragraph) is >= 400 || (paragraph.Length > address.Length + 80 && FindReplyCode(text) is null or < 400)))
                ? paragraph
                : Truncate(Unfold(text), 2000);
            diagnostic = candidates.Count == 1 ? WithStatement(diagnostic, Statement(text, address)) : diagnostic;
            return new BounceRecipient(address, null, FindStatus(diagnostic), FindReplyCode(diagnostic), diagnostic);
        }).ToList();
    }

    private static List<BounceRecipient> DsnFieldsInText(string fullText, string text)
    {
        var recipients = new List<BounceRecipient>();
        var blocks = fullText.Replace("\r\n", "\n").Split("\n\n").Where(b => b.Contains("Final-Recipient:", StringComparison.OrdinalIgnoreCase)).ToList();
        foreach (var block in blocks)
        {
            var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            string? last = null;
            foreach (var line in block.Split('\n'))
            {
                if (line.Length > 0 && char.IsWhiteSpace(line[0]) && last is not null)
                {
                    fields[last] += " " + line.Trim();
                }
                else if (line.IndexOf(':') is var colon and > 0)
                {
                    last = line[..colon].Trim();
                    fields[last] = line[(colon + 1)..].Trim();
                }
            }
            var address = Address(fields.GetValueOrDefault("Final-Recipient")) ?? Address(fields.GetValueOrDefault("Original-Recipient"));
            if (address is null)
            {
                continue;
            }
            var diagnostic = Unfold(After(fields.GetValueOrDefault("Diagnostic-Code"), ';'));
            var paragraph = ParagraphAbout(text, address);
            if (paragraph.Length > 0 && !diagnostic.Contains(paragraph, StringComparison.OrdinalIgnoreCase))
            {
                diagnostic = diagnostic.Length == 0 ? paragraph : diagnostic + "\n" + paragraph;
            }
            // Nothing said of this recipient by name: the one recipient's reply is the session transcript's (Sendmail).
            diagnostic = diagnostic.Length == 0 && blocks.Count == 1 ? TranscriptReplies(text) : diagnostic;
            var status = Unfold(fields.GetValueOrDefault("Status")).Split(' ').FirstOrDefault(x => StatusPattern().IsMatch(x)) ?? FindStatus(diagnostic);
            recipients.Add(new BounceRecipient(address, Unfold(fields.GetValueOrDefault("Action")).ToLowerInvariant(), status, FindReplyCode(diagnostic), diagnostic, TypeOf(fields.GetValueOrDefault("Diagnostic-Code"))));
        }
        return recipients;
    }

    private static string FullText(MimeMessage message) =>
        string.Join("\n\n", message.BodyParts.OfType<TextPart>().Select(p => Unquoted(p.Text ?? "")).Concat(Preambles(message)));

    /// <summary>
    /// A notice forwarded by a person (Apple Mail's "Begin forwarded message:", a reply quoting it) carries the
    /// bounce as quoted lines ("> From: Mail Delivery Subsystem …"): one level of quoting is taken off so its
    /// fields and transcript read as the reporting MTA wrote them (">>>> DATA" becomes ">>> DATA").
    /// </summary>
    public static string Unquoted(string text) =>
        QuotedHeaderBlock().IsMatch(text) ? QuoteMark().Replace(text, "") : text;

    // A multipart whose boundary does not match its body is all preamble to MimeKit: the text is there.
    private static IEnumerable<string> Preambles(MimeMessage message)
    {
        var multiparts = new List<Multipart>();
        if (message.Body is Multipart root)
        {
            multiparts.Add(root);
        }
        using var iter = new MimeIterator(message);
        while (iter.MoveNext())
        {
            if (iter.Current is Multipart nested)
            {
                multiparts.Add(nested);
            }
        }
        // (The iterator visits the root as well: each multipart's text once.)
        return multiparts.Distinct().SelectMany(m => new[] { m.Preamble, m.Epilogue }).Where(t => !string.IsNullOrWhiteSpace(t))!;
    }

    /// <summary>The readable notice, without the returned original message.</summary>
    private static string HumanText(MimeMessage message) => HumanText(message, ReturnedMessageMarkers);

    private static string HumanText(MimeMessage message, string[] markers)
    {
        var part = message.BodyParts.OfType<TextPart>().FirstOrDefault(p => p.IsPlain && p.ContentType.MediaSubtype != "rfc822-headers")
            ?? message.BodyParts.OfType<TextPart>().FirstOrDefault(p => p.IsHtml);
        var text = part?.Text ?? string.Join("\n\n", Preambles(message));
        if (part?.IsHtml == true)
        {
            text = HtmlText(text);
        }
        text = Unquoted(text.Replace("\r\n", "\n"));
        var cut = markers.Select(m => text.IndexOf(m, StringComparison.OrdinalIgnoreCase)).Where(i => i > 0).DefaultIfEmpty(text.Length).Min();
        return text[..Math.Min(cut, ReturnedHeaders(text))];
    }

    /// <summary>
    /// Where the returned message's header block starts when a notice pastes it without a marker: the block of
    /// header lines (at the start of lines, with their folded continuations) holding a header only a message
    /// carries (Received, Return-Path, Message-ID, MIME-Version, DKIM-Signature). The text's length when none.
    /// </summary>
    private static int ReturnedHeaders(string text)
    {
        var strong = MessageHeaderLine().Match(text);
        if (!strong.Success || strong.Index == 0)
        {
            return text.Length;
        }
        // Back over the header lines just above it (From:, To:, Subject: of the same block).
        var start = strong.Index;
        while (start > 0)
        {
            var previousStart = text.LastIndexOf('\n', start - 2) + 1;
            var previous = text[previousStart..(start - 1)];
            if (previous.Length == 0 || !(HeaderLine().IsMatch(previous) || (char.IsWhiteSpace(previous[0]) && previous.Trim().Length > 0)))
            {
                break;
            }
            start = previousStart;
        }
        return start;
    }

    private static readonly HtmlParser Html = new();

    /// <summary>The visible text of an HTML notice: no style sheets or scripts, a line per block and break.</summary>
    private static string HtmlText(string html)
    {
        using var document = Html.ParseDocument(html);
        foreach (var hidden in document.QuerySelectorAll("style, script, head, title").ToList())
        {
            hidden.Remove();
        }
        foreach (var block in document.QuerySelectorAll("br, p, div, tr, li, h1, h2, h3, h4, h5, h6, table").ToList())
        {
            block.Before(document.CreateTextNode("\n"));
        }
        return document.Body?.TextContent ?? "";
    }

    /// <summary>
    /// The sentence a notice states just above the one address it lists, as its own block ("The user(s) account is
    /// disabled." in au's notices, above the remote server's bare "550 user unknown"): the reporting system's
    /// reading of what happened to that recipient. Empty when the block above is long, names an address or is
    /// no sentence (a separator line, a heading).
    /// </summary>
    private static string Statement(string text, string address)
    {
        var at = text.IndexOf(address, StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return "";
        }
        var lines = text[..(text.LastIndexOf('\n', at) + 1)].Split('\n').Reverse().SkipWhile(string.IsNullOrWhiteSpace).ToList();
        var block = lines.TakeWhile(l => !string.IsNullOrWhiteSpace(l)).Reverse().ToList();
        var sentence = Unfold(string.Join(' ', block));
        return sentence.Length is > 0 and <= 160 && sentence.EndsWith('.') && !sentence.EndsWith("...", StringComparison.Ordinal)
            && !EmailPattern().IsMatch(sentence) && block.Count <= 3 ? sentence : "";
    }

    private static string WithStatement(string diagnostic, string statement) =>
        statement.Length == 0 || diagnostic.Contains(statement, StringComparison.OrdinalIgnoreCase) ? diagnostic
            : diagnostic.Length == 0 ? statement : diagnostic + "\n" + statement;

    /// <summary>The lines about one address: from where it is named to the next blank line, joined.</summary>
    private static string ParagraphAbout(string text, string address)
    {
        var at = text.IndexOf(address, StringComparison.OrdinalIgnoreCase);
        // A DSN's own fields pasted into the text (Final-Recipient, X-Actual-Recipient) are not what anyone said about it.
        while (at >= 0 && RecipientField().IsMatch(text[(text.LastIndexOf('\n', at) + 1)..at]))
        {
            at = text.IndexOf(address, at + address.Length, StringComparison.OrdinalIgnoreCase);
        }
        if (at < 0)
        {
            return "";
        }
        var lineStart = text.LastIndexOf('\n', at) + 1;
        var lines = text[lineStart..].Split('\n');
        var taken = new List<string>();
        var blanks = 0;
        foreach (var line in lines)
        {
            if (taken.Count > 0 && string.IsNullOrWhiteSpace(line))
            {
                // The reply may come a few blank lines below the address (qmail, Exim, Gmail's notice);
                // once a reply code is in hand, a blank line ends the paragraph.
                if (++blanks <= 3 && !ReplyCodePattern().IsMatch(string.Join(' ', taken.Skip(1))))
                {
                    continue;
                }
                break;
            }
            if (taken.Count > 0 && EmailPattern().Match(line) is { Success: true } other
                && !other.Value.Contains(address, StringComparison.OrdinalIgnoreCase) && LooksLikeNewRecipient(line))
            {
                break;
            }
            taken.Add(line.Trim());
            if (taken.Count >= 12)
            {
                break;
            }
        }
        return Unfold(string.Join(' ', taken));
    }

    /// <summary>
    /// The replies in Sendmail's "Transcript of session follows" (lines starting with a reply code, with or
    /// without "<<< "), for a report whose one recipient has no diagnostic of its own; empty without a transcript.
    /// </summary>
    private static string TranscriptReplies(string text)
    {
        var at = text.IndexOf("Transcript of session follows", StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return "";
        }
        var replies = text[at..].Split('\n').Skip(1).Select(l => l.Trim()).Where(l => TranscriptReply().IsMatch(l)).Take(5);
        return string.Join("\n", replies);
    }

    [GeneratedRegex(@"^(?:<<<\s*)?[45]\d\d[ -]")]
    private static partial Regex TranscriptReply();

    /// <summary>"\n>>> DATA" when the session transcript shows which command the reply naming the address answered.</summary>
    /// <remarks>For a report's one recipient, the last permanently refused MAIL, RCPT or DATA names its command even
    /// when the reply does not name the address.</remarks>
    private static string TranscriptCommand(string text, string address, bool onlyRecipient)
    {
        string? refused = null;
        foreach (Match step in TranscriptStep().Matches(text))
        {
            if (step.Value.Contains(address, StringComparison.OrdinalIgnoreCase))
            {
                return "\n>>> " + step.Groups[1].Value;
            }
            if (step.Groups[2].Value.StartsWith('5') && step.Groups[1].Value is "MAIL" or "RCPT" or "DATA")
            {
                refused = step.Groups[1].Value;
            }
        }
        return onlyRecipient && refused is not null ? "\n>>> " + refused : "";
    }

    private static bool LooksLikeNewRecipient(string line)
    {
        var trimmed = line.TrimStart();
        return trimmed.StartsWith('<') || EmailAtLineStart().IsMatch(trimmed) || CodeThenAddress().IsMatch(trimmed);
    }

    private static bool IsFeedback(MimeMessage message) =>
        message.BodyParts.Any(p => p.ContentType.IsMimeType("message", "feedback-report"))
        || (message.Body?.ContentType.IsMimeType("multipart", "report") == true
            && string.Equals(message.Body.ContentType.Parameters["report-type"], "feedback-report", StringComparison.OrdinalIgnoreCase));

    private static bool IsAutoReply(MimeMessage message)
    {
        var subject = message.Subject ?? "";
        return AutoReplySubject().IsMatch(subject)
            || message.Headers.Contains("X-Autoreply") || message.Headers.Contains("X-Autorespond")
            || (message.Headers["Auto-Submitted"]?.StartsWith("auto-replied", StringComparison.OrdinalIgnoreCase) == true && !BounceSubject().IsMatch(subject));
    }

    private static List<string> ReportedRecipients(MimeMessage message)
    {
        var found = new List<string>();
        foreach (var feedback in message.BodyParts.OfType<MimePart>().Where(p => p.ContentType.IsMimeType("message", "feedback-report")))
        {
            if (feedback.Content is null)
            {
                continue;
            }
            using var reader = new StreamReader(feedback.Content.Open());
            foreach (Match m in OriginalRcptTo().Matches(reader.ReadToEnd()))
            {
                found.Add(m.Groups[1].Value.Trim('<', '>'));
            }
        }
        return found;
    }

    private static string? OriginalRecipient(MimeMessage message)
    {
        foreach (var part in message.BodyParts)
        {
            if (part is MessagePart { Message: { } original } && original.To.Mailboxes.FirstOrDefault() is { } to)
            {
                return to.Address;
            }
            if (part is MimePart feedback && feedback.ContentType.IsMimeType("message", "feedback-report") && feedback.Content is { } content)
            {
                using var reader = new StreamReader(content.Open());
                var report = reader.ReadToEnd();
                if (OriginalRcptTo().Match(report) is { Success: true } m)
                {
                    return m.Groups[1].Value.Trim('<', '>');
                }
            }
        }
        return null;
    }

    /// <summary>The To: of a returned copy pasted as text below the notice (old Sendmail, Post.Office).</summary>
    private static string? ReturnedTo(MimeMessage message)
    {
        var full = FullText(message).Replace("\r\n", "\n");
        var cut = ReturnedMessageMarkers.Select(m => full.IndexOf(m, StringComparison.OrdinalIgnoreCase)).Where(i => i > 0).DefaultIfEmpty(-1).Min();
        return cut >= 0 && ReturnedToLine().Match(full, cut) is { Success: true } m ? m.Groups[1].Value : null;
    }

    private static bool IsSystemAddress(string address)
    {
        var local = address.Split('@')[0].ToLowerInvariant();
        return local is "mailer-daemon" or "postmaster" or "root" or "noreply" or "no-reply" or "abuse" or "mail" or "daemon" or "nobody";
    }

    public static int? FindReplyCode(string text) =>
        ReplyCodePattern().Match(text) is { Success: true } m ? int.Parse(m.Groups[1].Value) : null;

    public static string? FindStatus(string text) =>
        StatusPattern().Match(text) is { Success: true } m ? m.Value : null;

    private static string? Address(string? field)
    {
        var value = After(field, ';').Trim().Trim('<', '>');
        return value.Contains('@') ? value : null;
    }

    private static string? TypeOf(string? field) =>
        field?.IndexOf(';') is int i and > 0 ? field[..i].Trim().ToLowerInvariant() : null;

    private static string After(string? value, char separator) =>
        value is null ? "" : value.IndexOf(separator) is var i and >= 0 ? value[(i + 1)..].Trim() : value.Trim();

    private static string Unfold(string? value) => value is null ? "" : Whitespace().Replace(value, " ").Trim();

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];

    [GeneratedRegex(@"(?:^|[\s:;(""'])([245]\d\d)(?=[\s\-])", RegexOptions.Multiline)]
    private static partial Regex ReplyCodePattern();

    [GeneratedRegex(@"\b[245]\.\d{1,3}\.\d{1,3}\b")]
    private static partial Regex StatusPattern();

    [GeneratedRegex(@"<?[A-Za-z0-9._%+\-=/!#$&'*?^`{|}~]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}>?")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+")]
    private static partial Regex EmailAtLineStart();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    // Sendmail's transcript: "554 <user@host>... reason" starts the next recipient.
    [GeneratedRegex(@"^[245]\d\d <[^>]+@")]
    private static partial Regex CodeThenAddress();

    [GeneratedRegex(@"^To:\s*<?([^\s<>@]+@[A-Za-z0-9.\-]+)>?\s*$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex ReturnedToLine();

    // Sendmail's transcript: the command, then the reply naming the address.
    [GeneratedRegex(@"^>>> ([A-Z]+)[^\n]*\n<<< (?:([45]\d\d)\b)?[^\n]*$", RegexOptions.Multiline)]
    private static partial Regex TranscriptStep();

    [GeneratedRegex(@"^\s*(?:Final|Original|X-Actual)-Recipient:", RegexOptions.IgnoreCase)]
    private static partial Regex RecipientField();

    // A forwarded notice's quoted headers: "> From: …" and "> Subject: …" at the start of lines.
    [GeneratedRegex(@"^>[ \t]?From:.*\r?\n(?:>.*\r?\n){0,6}?>[ \t]?(Subject|Date|To):", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex QuotedHeaderBlock();

    [GeneratedRegex(@"^>[ \t]?", RegexOptions.Multiline)]
    private static partial Regex QuoteMark();

    [GeneratedRegex(@"^\s*(To|From|Cc|Reply-To|Sender):\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex QuotedHeaderLine();

    [GeneratedRegex(@"^(?:Received|Return-Path|Message-I[Dd]|MIME-Version|DKIM-Signature):", RegexOptions.Multiline)]
    private static partial Regex MessageHeaderLine();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9-]*:[ \t]")]
    private static partial Regex HeaderLine();

    [GeneratedRegex(@"^\s*(?:Message-I[Dd]|References|In-Reply-To|Received|Return-Path|DKIM-Signature|X-[A-Za-z-]*(?:Id|ID|Arn))\s*:|^\s+(?:by|for|id|with)\s|^\s*\((?:ultimately )?generated from", RegexOptions.IgnoreCase)]
    private static partial Regex TraceHeaderLine();

    [GeneratedRegex(@"^Original-Rcpt-To:\s*(\S+)", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex OriginalRcptTo();

    [GeneratedRegex(@"^\s*unsubscribe\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex UnsubscribeSubject();

    [GeneratedRegex(@"out of (the )?office|auto(matic)?[ -]?(reply|response)|vacation|autoreply|不在|自動(応答|返信)", RegexOptions.IgnoreCase)]
    private static partial Regex AutoReplySubject();

    [GeneratedRegex(@"deliver|undeliver|fail|return|bounce|error|non[- ]?delivery|unable|mail system", RegexOptions.IgnoreCase)]
    private static partial Regex BounceSubject();

    [GeneratedRegex(@"\b[45]\d\d[ -]#?[45]\.\d{1,3}\.\d{1,3}\b|\b[45]\d\d\b.{0,80}\b(reject|refus|denied|not allowed|blocked|ptr|reverse|unknown)", RegexOptions.IgnoreCase)]
    private static partial Regex SmtpRefusal();
}
