using System.Text;
using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Tests.Parsing;

/// <summary>Line splitting shared by every format: line endings, BOMs, buffer boundaries, over-long lines.</summary>
public sealed class ListParserReadingTests
{
    [Fact]
    public void Parse_StripsCarriageReturns_FromCrlfLines()
    {
        RecordingSink sink = RecordingSink.Parse("# c\r\nads.example.org\r\n\r\ntrack.example.org\r\n", ListFormat.Domains);

        Assert.Equal(["2: ads.example.org", "4: track.example.org"], sink.Rules.Select(r => $"{r.Line}: {r.Name}"));
        Assert.Empty(sink.Errors);
    }

    [Fact]
    public void Parse_ReadsFinalLine_WithoutNewline()
    {
        RecordingSink sink = RecordingSink.Parse("ads.example.org\ntrack.example.org", ListFormat.Domains);

        Assert.Equal(["ads.example.org", "track.example.org"], sink.Rules.Select(r => r.Name));
        Assert.Equal(2, sink.Rules[1].Line);
    }

    [Fact]
    public void Parse_ReadsFinalCrlfLine_WithoutNewline()
    {
        RecordedRule rule = RecordingSink.ParseSingleRule("0.0.0.0 ads.example.org\r", ListFormat.Hosts);

        Assert.Equal("ads.example.org", rule.Name);
    }

    [Fact]
    public void Parse_IgnoresByteOrderMark_LeftInTheText()
    {
        RecordedRule rule = RecordingSink.ParseSingleRule("\uFEFF||ads.example.org^\n", ListFormat.Adblock);

        Assert.Equal("ads.example.org", rule.Name);
    }

    [Fact]
    public void Parse_IgnoresByteOrderMark_InUtf8Stream()
    {
        byte[] bytes = [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes("192.0.2.1\r\n192.0.2.2")];
        var sink = new RecordingSink();

        ListParser.Parse(new StreamReader(new MemoryStream(bytes)), ListFormat.Ip, sink);

        Assert.Equal(["192.0.2.1", "192.0.2.2"], sink.Rules.Select(r => r.Prefix.ToString()));
        Assert.Empty(sink.Errors);
    }

    [Fact]
    public void Parse_ReportsNothing_ForEmptyInput()
    {
        foreach (ListFormat format in Enum.GetValues<ListFormat>())
        {
            RecordingSink sink = RecordingSink.Parse("", format);

            Assert.Empty(sink.Rules);
            Assert.Empty(sink.Errors);
            Assert.Empty(sink.Skips);
        }
    }

    [Fact]
    public void Parse_ReportsOverlongLine_AndCarriesOnWithRightLineNumbers()
    {
        string huge = new('a', ListParser.MaxLineLength + 10);
        string text = $"ads.example.org\n{huge}.example.org\ntrack.example.org\n";

        RecordingSink sink = RecordingSink.Parse(text, ListFormat.Domains);

        Assert.Equal(["1: ads.example.org", "3: track.example.org"], sink.Rules.Select(r => $"{r.Line}: {r.Name}"));
        Assert.Equal((2, $"line is longer than {ListParser.MaxLineLength} characters"), Assert.Single(sink.Errors));
    }

    [Fact]
    public void Parse_ReportsOverlongLine_ThatSpansSeveralBuffers()
    {
        string huge = new('#', ListParser.MaxLineLength * 5);
        RecordingSink sink = RecordingSink.Parse($"{huge}\n192.0.2.1\n{huge}", ListFormat.Ip);

        Assert.Equal(2, Assert.Single(sink.Rules).Line);
        Assert.Equal([1, 3], sink.Errors.Select(e => e.Line));
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public void Parse_AcceptsLines_OfExactlyTheMaximumLength(string ending)
    {
        string name = new string('a', ListParser.MaxLineLength - 4) + ".org";

        RecordingSink sink = RecordingSink.Parse($"{name}{ending}{name}{ending}{name}", ListFormat.Domains);

        Assert.Empty(sink.Errors);
        Assert.Equal([1, 2, 3], sink.Rules.Select(r => r.Line));
        Assert.All(sink.Rules, r => Assert.Equal(ListParser.MaxLineLength, r.Name.Length));
    }

    [Fact]
    public void Parse_ReportsLine_OneCharacterOverTheMaximum()
    {
        string name = new string('a', ListParser.MaxLineLength - 3) + ".org";

        (int line, _) = RecordingSink.ParseSingleError($"{name}\r\n", ListFormat.Domains);

        Assert.Equal(1, line);
    }

    [Fact]
    public void Parse_GivesSameResult_WhenReaderReturnsOneCharacterAtATime()
    {
        string text = "0.0.0.0 a.example.org\r\n# c\r\n\r\n0.0.0.0 b.example.org c.example.org\r\nbad\n0.0.0.0 d.example.org";

        var chunked = new RecordingSink();
        ListParser.Parse(new TrickleReader(text), ListFormat.Hosts, chunked);
        RecordingSink whole = RecordingSink.Parse(text, ListFormat.Hosts);

        Assert.Equal(whole.Rules, chunked.Rules);
        Assert.Equal(whole.Errors, chunked.Errors);
        Assert.Equal(4, chunked.Rules.Count);
        Assert.Equal((5, "'bad' is not an IP address; a hosts line starts with one"), Assert.Single(chunked.Errors));
    }

    [Fact]
    public void Parse_Throws_ForUndefinedFormat()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ListParser.Parse(new StringReader(""), (ListFormat)99, new RecordingSink()));
    }

    /// <summary>A reader that hands out one character per Read call, to exercise buffer refills.</summary>
    private sealed class TrickleReader(string text) : TextReader
    {
        private int _position;

        public override int Read(char[] buffer, int index, int count)
        {
            if (_position == text.Length || count == 0)
            {
                return 0;
            }

            buffer[index] = text[_position++];
            return 1;
        }
    }
}
