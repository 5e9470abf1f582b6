using System.Text;

namespace PrPortal.Infrastructure.Files;

/// <summary>One line of a file: its text (UTF-8, bad bytes replaced), where it ends, and whether it was too long to keep.</summary>
public readonly record struct FileLine(string Text, long EndOffset, bool TooLong);

/// <summary>
/// Reads lines from a stream of any size, knowing the byte offset after each, in constant memory: a line
/// longer than the limit is returned as too long (its start kept for the rejection) and skipped to its
/// end. A last line without a newline is returned only when asked (a finished file, not a growing one).
/// </summary>
public sealed class LineReader(Stream stream, long startOffset, int maxLineBytes = LineReader.DefaultMaxLineBytes)
{
    public const int DefaultMaxLineBytes = 64 * 1024;
    private static readonly Encoding Utf8 = new UTF8Encoding(false, throwOnInvalidBytes: false);
    private readonly byte[] _buffer = new byte[1 << 16];
    private readonly MemoryStream _line = new();
    private int _start, _end;
    private long _offset = startOffset;
    private bool _tooLong;

    public async IAsyncEnumerable<FileLine> ReadAsync(bool includeUnterminatedLast, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await stream.ReadAsync(_buffer, cancellationToken);
                if (_end == 0)
                {
                    if (includeUnterminatedLast && (_line.Length > 0 || _tooLong))
                    {
                        yield return Take();
                    }
                    yield break;
                }
            }
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            var stop = newline < 0 ? _end : newline;
            Append(_start, stop - _start);
            _offset += stop - _start;
            _start = stop;
            if (newline >= 0)
            {
                _start++;
                _offset++;
                yield return Take();
            }
        }
    }

    private void Append(int from, int count)
    {
        if (_tooLong)
        {
            return;
        }
        if (_line.Length + count > maxLineBytes)
        {
            _tooLong = true;
            var room = (int)Math.Max(0, 300 - _line.Length);
            _line.Write(_buffer, from, Math.Min(room, count));
            return;
        }
        _line.Write(_buffer, from, count);
    }

    private FileLine Take()
    {
        var length = (int)_line.Length;
        var bytes = _line.GetBuffer();
        if (length > 0 && bytes[length - 1] == '\r')
        {
            length--;
        }
        var line = new FileLine(Utf8.GetString(bytes, 0, length), _offset, _tooLong);
        _line.SetLength(0);
        _tooLong = false;
        return line;
    }
}
