namespace Siem.Detection.Reading;

/// <summary>
/// Passes text through but cuts every line after <c>maxLineLength</c> characters, replacing the rest of
/// the line with a single <see cref="Marker"/>. The CSV parser then never has to buffer an unbounded
/// line, and the reader rejects the marked line as over-long while the following lines still arrive.
/// </summary>
internal sealed class LineLengthLimiter(TextReader inner, int maxLineLength) : TextReader
{
    /// <summary>A character that never appears in valid KDD text.</summary>
    public const char Marker = '\u0000';

    private readonly char[] _buffer = new char[1 << 16];
    private int _start;
    private int _end;
    private int _lineLength;
    private bool _skipping;

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Read(Span<char> destination)
    {
        var written = 0;
        while (written < destination.Length)
        {
            if (_start == _end && !Fill())
            {
                break;
            }

            var available = _buffer.AsSpan(_start, _end - _start);
            if (_skipping)
            {
                var newline = available.IndexOf('\n');
                if (newline < 0)
                {
                    _start = _end;
                    continue;
                }

                _start += newline;
                _skipping = false;
                continue;
            }

            if (available[0] == '\n')
            {
                destination[written++] = '\n';
                _start++;
                _lineLength = 0;
                continue;
            }

            if (_lineLength == maxLineLength)
            {
                destination[written++] = Marker;
                _skipping = true;
                continue;
            }

            var lineEnd = available.IndexOf('\n');
            var segment = lineEnd < 0 ? available.Length : lineEnd;
            var take = Math.Min(segment, Math.Min(maxLineLength - _lineLength, destination.Length - written));
            available[..take].CopyTo(destination[written..]);
            written += take;
            _start += take;
            _lineLength += take;
        }

        return written;
    }

    public override int Read()
    {
        Span<char> one = stackalloc char[1];
        return Read(one) == 0 ? -1 : one[0];
    }

    public override int Peek() => -1;

    private bool Fill()
    {
        _start = 0;
        _end = inner.Read(_buffer, 0, _buffer.Length);
        return _end > 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
