using System.Text;
using Siem.Detection.Reading;

namespace Siem.Cli.Replay;

/// <summary>
/// Cuts a KDD file (plain or gzip) into batches of whole lines as raw UTF-8 bytes, without decoding each
/// line: the server parses them anyway. A header row is kept apart (to send with every batch); if it has a
/// timestamp column, that column is dropped from every line, since replayed traffic happens now.
/// </summary>
internal sealed class LineBatches : IDisposable
{
    private readonly Stream _input;
    private byte[] _buffer = new byte[1 << 20];
    private int _start;
    private int _end;
    private bool _eof;
    private int _timestampColumn = -1;

    public LineBatches(string path)
    {
        _input = InputStreams.OpenFile(path);
        ReadHeader();
    }

    /// <summary>The header row (without a timestamp column), or null for a header-less file.</summary>
    public byte[]? Header { get; private set; }

    /// <summary>The next batch of up to <paramref name="lines"/> non-empty lines, each ending in '\n'; null at the end.</summary>
    public (byte[] Bytes, int Lines)? Next(int lines)
    {
        using var batch = new MemoryStream();
        var count = 0;
        while (count < lines && NextLine() is { } line)
        {
            if (line.IsEmpty || line.Span.Trim((byte)'\r').IsEmpty)
            {
                continue;
            }

            if (_timestampColumn >= 0)
            {
                batch.Write(Encoding.UTF8.GetBytes(DropColumn(Encoding.UTF8.GetString(line.Span), _timestampColumn)));
            }
            else
            {
                batch.Write(line.Span);
            }

            batch.WriteByte((byte)'\n');
            count++;
        }

        return count == 0 ? null : (batch.ToArray(), count);
    }

    private void ReadHeader()
    {
        while (NextLine() is { } first)
        {
            if (first.Span.Trim((byte)'\r').IsEmpty)
            {
                continue;
            }

            if (first.Span[0] is >= (byte)'0' and <= (byte)'9')
            {
                _start -= first.Length + 1; // a data line: give it back
                if (_start < 0)
                {
                    _start = 0;
                }

                return;
            }

            var header = Encoding.UTF8.GetString(first.Span).TrimEnd('\r');
            _timestampColumn = Array.FindIndex(header.Split(','), c => c.Trim().Equals("timestamp", StringComparison.OrdinalIgnoreCase));
            Header = Encoding.UTF8.GetBytes(_timestampColumn >= 0 ? DropColumn(header, _timestampColumn) : header);
            return;
        }
    }

    /// <summary>The next line without its '\n' (valid until the next call), or null at the end.</summary>
    private ReadOnlyMemory<byte>? NextLine()
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = _buffer.AsMemory(_start, newline);
                _start += newline + 1;
                return line;
            }

            if (_eof)
            {
                if (_start == _end)
                {
                    return null;
                }

                var rest = _buffer.AsMemory(_start, _end - _start);
                _start = _end;
                return rest;
            }

            Fill();
        }
    }

    private void Fill()
    {
        // Keep the partial line at the front; grow only for a line longer than the buffer.
        var pending = _end - _start;
        if (pending == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
        (_start, _end) = (0, pending);
        var read = _input.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _eof = true;
        }

        _end += read;
    }

    private static string DropColumn(string line, int column)
    {
        var cells = line.TrimEnd('\r').Split(',').ToList();
        if (cells.Count < 2 || column >= cells.Count)
        {
            return line; // not a row of the header's shape: the server will say why
        }

        cells.RemoveAt(column);
        return string.Join(',', cells);
    }

    public void Dispose() => _input.Dispose();
}
