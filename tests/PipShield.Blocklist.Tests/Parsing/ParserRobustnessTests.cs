using System.Text;
using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Tests.Parsing;

/// <summary>Parsers see whatever a feed serves: none of it may throw, hang or report lines that do not exist.</summary>
public sealed class ParserRobustnessTests
{
    /// <summary>Pieces of every format's syntax, so random lines reach deep into each grammar.</summary>
    private static readonly string[] Fragments =
    [
        " ", "\t", "\r", "\n", "\r\n", "\0", "\uFEFF", "\uFFFD", "\uD800", "\uDC00", "é", "#", "!", ";", "$", "@@", "||",
        "|", "^", "*", "*.", ".", "..", "/", ":", "::", "%", "(", ")", "\"", "\\", "[Adblock Plus]", "##", "#@#", "$$",
        "$important", "$third-party", ",", "=", "@", "$TTL", "$ORIGIN", "$INCLUDE", "SOA", "NS", "CNAME", "A", "AAAA",
        "TXT", "MX", "IN", "CH", "300", "1h", "rpz-ip", "rpz-nsip", "rpz-passthru.", "rpz-drop.", "zz", "32", "128",
        "0.0.0.0", "127.0.0.1", "192.0.2.1", "192.0.2.0/24", "2001:db8::", "/33", "-", "example.org", "example.org.",
        "localhost", "1.2.0.192", "0", "255", "ffff", "xn--", "_",
    ];

    [Theory]
    [InlineData(ListFormat.Hosts)]
    [InlineData(ListFormat.Domains)]
    [InlineData(ListFormat.Adblock)]
    [InlineData(ListFormat.Rpz)]
    [InlineData(ListFormat.Ip)]
    public void Parse_NeverThrows_OnRandomSyntaxFragments(ListFormat format)
    {
        var random = new Random(1234 + (int)format);
        for (int document = 0; document < 300; document++)
        {
            var text = new StringBuilder();
            int pieces = random.Next(0, 200);
            for (int i = 0; i < pieces; i++)
            {
                text.Append(Fragments[random.Next(Fragments.Length)]);
            }

            AssertParsesQuietly(text.ToString(), format);
        }
    }

    [Theory]
    [InlineData(ListFormat.Hosts)]
    [InlineData(ListFormat.Domains)]
    [InlineData(ListFormat.Adblock)]
    [InlineData(ListFormat.Rpz)]
    [InlineData(ListFormat.Ip)]
    public void Parse_NeverThrows_OnRandomBytes(ListFormat format)
    {
        var random = new Random(99 + (int)format);
        for (int document = 0; document < 100; document++)
        {
            byte[] bytes = new byte[random.Next(0, 4000)];
            random.NextBytes(bytes);
            var sink = new LineCheckingSink(int.MaxValue);

            ListParser.Parse(new StreamReader(new MemoryStream(bytes), Encoding.UTF8), format, sink);
        }
    }

    [Theory]
    [InlineData(ListFormat.Hosts)]
    [InlineData(ListFormat.Domains)]
    [InlineData(ListFormat.Adblock)]
    [InlineData(ListFormat.Rpz)]
    [InlineData(ListFormat.Ip)]
    public void Parse_ReportsOnlyExistingLines_ForUtf16ReadAsUtf8(ListFormat format)
    {
        byte[] bytes = Encoding.Unicode.GetBytes("0.0.0.0 ads.example.org\n||ads.example.org^\n");

        ListParser.Parse(new StreamReader(new MemoryStream(bytes), new UTF8Encoding(false)), format, new LineCheckingSink(3));
    }

    private static void AssertParsesQuietly(string text, ListFormat format)
    {
        int lines = text.Count(c => c == '\n') + 1;
        ListParser.Parse(new StringReader(text), format, new LineCheckingSink(lines));
    }

    /// <summary>Checks every report names a line that exists, in non-decreasing order, with a reason.</summary>
    private sealed class LineCheckingSink(int lineCount) : IRuleSink
    {
        private int _last;

        public void OnRule(int lineNumber, ListRule rule)
        {
            Check(lineNumber);
            Assert.True(rule.IsIp || !rule.Name.IsEmpty, $"line {lineNumber}: empty name");
        }

        public void OnError(int lineNumber, string reason)
        {
            Check(lineNumber);
            Assert.False(string.IsNullOrWhiteSpace(reason));
        }

        public void OnSkipped(int lineNumber, SkipReason reason)
        {
            Check(lineNumber);
            Assert.True(Enum.IsDefined(reason));
        }

        private void Check(int lineNumber)
        {
            Assert.InRange(lineNumber, Math.Max(1, _last), lineCount);
            _last = lineNumber;
        }
    }
}
