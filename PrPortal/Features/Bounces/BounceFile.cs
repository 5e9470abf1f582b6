using MimeKit;

namespace PrPortal.Features.Bounces;

/// <summary>
/// Loads the mails in a bounce file: one message (.eml), or every message of a Unix mbox (a file whose
/// first line is a "From " separator), as mail clients and MTAs save them.
/// </summary>
public static class BounceFile
{
    public static IReadOnlyList<MimeMessage> Load(string path, CancellationToken cancellationToken = default)
    {
        using var stream = File.OpenRead(path);
        return Load(stream, cancellationToken);
    }

    public static IReadOnlyList<MimeMessage> Load(Stream stream, CancellationToken cancellationToken = default)
    {
        var head = new byte[5];
        var read = stream.Read(head, 0, head.Length);
        stream.Position = 0;
        var isMbox = read == 5 && head is [(byte)'F', (byte)'r', (byte)'o', (byte)'m', (byte)' '];
        var parser = new MimeParser(stream, isMbox ? MimeFormat.Mbox : MimeFormat.Entity);
        if (!isMbox)
        {
            return [parser.ParseMessage(cancellationToken)];
        }
        var messages = new List<MimeMessage>();
        while (!parser.IsEndOfStream)
        {
            messages.Add(parser.ParseMessage(cancellationToken));
        }
        return messages;
    }
}
