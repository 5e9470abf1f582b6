using MimeKit;
using PrPortal.Hosting;

namespace PrPortal.Features.Bounces;

/// <summary>`classify` (reply texts on stdin, one per line) and `classify-dsn FILE...` (one object per recipient).</summary>
public static class ClassifyVerbs
{
    public static async Task<int> ClassifyAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken)
    {
        if (args.Length > 0)
        {
            throw new OpsVerbs.VerbUsageException("reads reply texts from standard input, one per line; it takes no arguments.");
        }
        var classifier = services.GetRequiredService<ReplyClassifier>();
        while (await Console.In.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length > 0)
            {
                OpsVerbs.Print(classifier.ClassifyReply(line));
            }
        }
        return 0;
    }

    public static Task<int> ClassifyDsnAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken)
    {
        if (args.Length == 0)
        {
            throw new OpsVerbs.VerbUsageException("names one or more bounce files: classify-dsn FILE...");
        }
        var classifier = new BounceClassifier(services.GetRequiredService<ReplyClassifier>());
        var failed = 0;
        foreach (var file in args)
        {
            IReadOnlyList<MimeMessage> messages;
            try
            {
                messages = BounceFile.Load(file, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // One unreadable file is reported and the rest still go through.
                Console.Error.WriteLine($"{file}: {e.Message}");
                failed++;
                continue;
            }
            var recipients = messages.SelectMany(classifier.Classify).ToList();
            if (recipients.Count == 0)
            {
                Console.Error.WriteLine($"{file}: no recipient found in this bounce");
                failed++;
            }
            foreach (var r in recipients)
            {
                OpsVerbs.Print(new
                {
                    file,
                    recipient = r.Recipient.Recipient,
                    status = r.Recipient.Status,
                    reply_code = r.Recipient.ReplyCode?.ToString(),
                    reason = r.Classification.Reason,
                    ip_block = r.Classification.IpBlock,
                    list = r.Classification.List,
                    why = r.Classification.Why,
                });
            }
        }
        return Task.FromResult(failed == 0 ? 0 : 1);
    }
}
