namespace PipShield.Blocklist.Compiling;

/// <summary>Reads ahead a sample of lines for format detection, then gives the whole text back from the start.</summary>
internal sealed class ReplayReader : TextReader
{
    private const int SampleLines = 200;
    private readonly string _head;
    private readonly TextReader _rest;
    private int _position;

    private ReplayReader(string head, TextReader rest)
    {
        _head = head;
        _rest = rest;
    }

    public static ReplayReader Sample(TextReader reader, out List<string> sample)
    {
        sample = [];
        var head = new System.Text.StringBuilder();
        while (sample.Count < SampleLines && reader.ReadLine() is { } line)
        {
            head.Append(line).Append('\n');
            string trimmed = line.Trim();
            if (trimmed.Length > 0)
            {
                sample.Add(trimmed);
            }
        }

        return new ReplayReader(head.ToString(), reader);
    }

    public override int Peek() => _position < _head.Length ? _head[_position] : _rest.Peek();

    public override int Read() => _position < _head.Length ? _head[_position++] : _rest.Read();

    public override int Read(Span<char> buffer)
    {
        if (_position < _head.Length)
        {
            int n = Math.Min(buffer.Length, _head.Length - _position);
            _head.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        return _rest.Read(buffer);
    }

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _rest.Dispose();
        }

        base.Dispose(disposing);
    }
}
