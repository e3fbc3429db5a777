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
    private readonly System.Text.StringBuilder _line = new();

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

    /// <summary>The next line without its terminator (a trailing '\r' removed), cut and marked as <see cref="Read(Span{char})"/> does.</summary>
    public override string? ReadLine()
    {
        _line.Clear();
        var any = false;
        while (true)
        {
            if (_start == _end && !Fill())
            {
                return any ? Finish() : null;
            }

            any = true;
            var available = _buffer.AsSpan(_start, _end - _start);
            var newline = available.IndexOf('\n');
            var segment = newline < 0 ? available : available[..newline];
            var room = maxLineLength - _line.Length;
            if (segment.Length <= room)
            {
                _line.Append(segment);
            }
            else
            {
                if (room > 0)
                {
                    _line.Append(segment[..room]);
                }

                if (_line.Length == maxLineLength)
                {
                    _line.Append(Marker);
                }
            }

            if (newline >= 0)
            {
                _start += newline + 1;
                return Finish();
            }

            _start = _end;
        }
    }

    private string Finish()
    {
        if (_line.Length > 0 && _line[^1] == '\r')
        {
            _line.Length--;
        }

        return _line.ToString();
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
