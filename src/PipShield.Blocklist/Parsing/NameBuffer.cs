namespace PipShield.Blocklist.Parsing;

/// <summary>A growable character buffer reused across lines, so names kept between lines cost no allocation each.</summary>
internal sealed class NameBuffer
{
    private char[] _chars = new char[256];

    public int Length { get; private set; }

    public ReadOnlySpan<char> Span => _chars.AsSpan(0, Length);

    public void Set(ReadOnlySpan<char> text)
    {
        Length = 0;
        Append(text);
    }

    public void Append(ReadOnlySpan<char> text)
    {
        EnsureRoom(text.Length);
        text.CopyTo(_chars.AsSpan(Length));
        Length += text.Length;
    }

    public void Append(char c)
    {
        EnsureRoom(1);
        _chars[Length++] = c;
    }

    private void EnsureRoom(int extra)
    {
        int needed = Length + extra;
        if (needed > _chars.Length)
        {
            Array.Resize(ref _chars, Math.Max(needed, _chars.Length * 2));
        }
    }
}
