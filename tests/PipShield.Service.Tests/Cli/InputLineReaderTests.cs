using PipShield.Service.Cli;
using Xunit;

namespace PipShield.Service.Tests.Cli;

public sealed class InputLineReaderTests
{
    [Theory]
    [InlineData("a\nb\nc", new[] { "a", "b", "c" })]
    [InlineData("a\nb\n", new[] { "a", "b" })]
    [InlineData("a\r\nb\r\n", new[] { "a\r", "b\r" })]
    [InlineData("\n\na", new[] { "", "", "a" })]
    [InlineData("", new string[0])]
    public void TryReadLine_SplitsAtLineFeeds(string text, string[] expected) =>
        Assert.Equal(expected, ReadAll(text));

    [Fact]
    public void TryReadLine_ReadsLinesAcrossBufferBoundaries()
    {
        string[] lines = Enumerable.Range(0, 50_000).Select(i => $"host{i}.example.org").ToArray();

        Assert.Equal(lines, ReadAll(string.Join('\n', lines)));
    }

    [Fact]
    public void TryReadLine_CutsALineLongerThanTheBuffer_AndGoesOnWithTheNext()
    {
        string huge = new('x', 200_000);

        List<string> lines = ReadAll($"first\n{huge}\nlast\n");

        Assert.Equal(3, lines.Count);
        Assert.Equal("first", lines[0]);
        Assert.True(lines[1].Length is > 1_000 and < 200_000);
        Assert.Equal("last", lines[2]);
    }

    private static List<string> ReadAll(string text)
    {
        var reader = new InputLineReader(new StringReader(text));
        var lines = new List<string>();
        while (reader.TryReadLine(out ReadOnlySpan<char> line))
        {
            lines.Add(line.ToString());
            Assert.Equal(lines.Count, reader.LineNumber);
        }

        return lines;
    }
}
