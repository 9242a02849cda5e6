using PipShield.Blocklist.Parsing;
using PipShield.Service.Cli;
using Xunit;

namespace PipShield.Service.Tests.Cli;

public sealed class SourceSpecTests
{
    [Theory]
    [InlineData("lists/x.txt", "lists/x.txt", null, "custom")]
    [InlineData("x.txt:hosts", "x.txt", "Hosts", "custom")]
    [InlineData("x.txt:HOSTS:phishing", "x.txt", "Hosts", "phishing")]
    [InlineData("x.txt::phishing", "x.txt", null, "phishing")]
    [InlineData("x.txt:", "x.txt", null, "custom")]
    [InlineData("/srv/lists/feed-malware.txt:rpz", "/srv/lists/feed-malware.txt", "Rpz", "malware")]
    [InlineData("/srv/a:b/c.txt", "/srv/a:b/c.txt", null, "custom")]
    [InlineData("/srv/a:b/c.txt:ip:c2", "/srv/a:b/c.txt", "Ip", "c2")]
    [InlineData(@"C:\lists\x.txt", @"C:\lists\x.txt", null, "custom")]
    [InlineData(@"C:\lists\x.txt:adblock", @"C:\lists\x.txt", "Adblock", "custom")]
    [InlineData(@"C:\lists\x.txt:domains:scam", @"C:\lists\x.txt", "Domains", "scam")]
    [InlineData(@"C:\lists\x.txt::scam", @"C:\lists\x.txt", null, "scam")]
    [InlineData(@"D:/feeds/sample-c2.ip.txt", @"D:/feeds/sample-c2.ip.txt", null, "c2")]
    public void Parse_ReadsFieldsFromTheRight(string text, string path, string? format, string category)
    {
        SourceSpec spec = SourceSpec.Parse(text, isAllowlist: false);

        Assert.Equal(path, spec.Path);
        Assert.Equal(format, spec.Format?.ToString());
        Assert.Equal(category, spec.Category);
    }

    [Fact]
    public void Parse_UsesAllowlistCategory_ForAllowlists()
    {
        Assert.Equal("allowlist", SourceSpec.Parse("sample-phishing.txt", isAllowlist: true).Category);
        Assert.Equal("mine", SourceSpec.Parse("allow.txt::mine", isAllowlist: true).Category);
    }

    [Theory]
    [InlineData("x.txt:hostz", "'hostz' in 'x.txt:hostz' is not a list format")]
    [InlineData("x.txt:phishing", "for a category write 'x.txt::phishing'")]
    [InlineData("x.txt:hostz:phishing", "'hostz'")]
    [InlineData(":hosts", "has no path")]
    [InlineData("x.txt:hosts:", "empty category")]
    [InlineData(@"C:\x.txt:nope", "'nope'")]
    public void Parse_RejectsBadSpecs_WithOneLine(string text, string expected)
    {
        Assert.False(SourceSpec.TryParse(text, isAllowlist: false, out _, out string? error));
        Assert.Contains(expected, error);
        Assert.DoesNotContain('\n', error);
    }

    [Theory]
    [InlineData("sample-phishing.domains.txt", "phishing")]
    [InlineData("/x/hagezi-fake.rpz.txt", "fake")]
    [InlineData("sample-c2.ip.txt", "c2")]
    [InlineData("Malware_Hosts.TXT", "malware")]
    [InlineData("phishingsites.txt", "custom")] // whole tokens only
    [InlineData("my-list.txt", "custom")]
    public void GuessCategory_TakesAKnownWordFromTheFileName(string path, string category) =>
        Assert.Equal(category, SourceSpec.GuessCategory(path));

    [Fact]
    public void FormatNames_AreTheOnesTheLibraryParses()
    {
        foreach (ListFormat format in Enum.GetValues<ListFormat>())
        {
            Assert.True(ListParser.TryParseFormatName(CliText.Format(format), out ListFormat parsed));
            Assert.Equal(format, parsed);
        }
    }
}
