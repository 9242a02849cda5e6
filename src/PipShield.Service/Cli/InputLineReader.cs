namespace PipShield.Service.Cli;

/// <summary>
/// Splits a <see cref="TextReader"/> into lines without a string per line: each line is a span over one
/// reused buffer, valid until the next call.
/// </summary>
internal sealed class InputLineReader(TextReader reader)
{
    private const int BufferSize = 1 << 16;

    private readonly char[] _buffer = new char[BufferSize];
    private int _start;
    private int _end;
    private bool _atEnd;
    private bool _skipToNewline;

    /// <summary>The 1-based number of the line last returned.</summary>
    public int LineNumber { get; private set; }

    /// <summary>The next line without its LF (a CR before it is left for the caller's trim).</summary>
    /// <remarks>A line longer than the buffer is returned cut at the buffer's length; the rest of it is dropped.</remarks>
    public bool TryReadLine(out ReadOnlySpan<char> line)
    {
        while (true)
        {
            int newline = _buffer.AsSpan(_start, _end - _start).IndexOf('\n');
            if (newline >= 0)
            {
                line = _buffer.AsSpan(_start, newline);
                _start += newline + 1;
                if (_skipToNewline)
                {
                    _skipToNewline = false;
                    continue;
                }

                LineNumber++;
                return true;
            }

            if (_atEnd)
            {
                line = _buffer.AsSpan(_start, _end - _start);
                _start = _end;
                if (line.IsEmpty || _skipToNewline)
                {
                    _skipToNewline = false;
                    return false;
                }

                LineNumber++;
                return true;
            }

            if (_start == 0 && _end == _buffer.Length)
            {
                // One line fills the buffer: hand out its start once, drop the rest of it.
                bool alreadyReturned = _skipToNewline;
                _start = _end = 0;
                _skipToNewline = true;
                if (!alreadyReturned)
                {
                    line = _buffer;
                    LineNumber++;
                    return true;
                }

                continue;
            }

            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            int read = reader.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _atEnd = true;
            }

            _end += read;
        }
    }
}
