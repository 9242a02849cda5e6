using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Tests.Parsing;

public sealed class ListFormatDetectionTests
{
    public static TheoryData<string, ListFormat> Samples => new()
    {
        { "# hosts\n0.0.0.0 ads.example.org\n0.0.0.0 track.example.org\n127.0.0.1 a.example.net b.example.net\n", ListFormat.Hosts },
        { ":: ads.example.org\n::1 localhost\n", ListFormat.Hosts },
        { "# plain\nads.example.org\ntrack.example.org\n*.example.net\n", ListFormat.Domains },
        { "! AdGuard-style list without a header\n||ads.example.org^\n||track.example.org^\nbare.example.net\n", ListFormat.Adblock },
        { "[Adblock Plus 2.0]\nads.example.org\n", ListFormat.Adblock },
        { "@@||cdn.example.org^\n@@||static.example.org^$important\n", ListFormat.Adblock },
        { "$TTL 300\n@ SOA localhost. root.localhost. 1 2 3 4 5\n", ListFormat.Rpz },
        { "$ORIGIN rpz.example.\nads.example.org CNAME .\n", ListFormat.Rpz },
        { "; zone without directives\nads.example.org CNAME .\n*.ads.example.org 300 IN CNAME .\n", ListFormat.Rpz },
        { "# ips\n192.0.2.1\n192.0.2.0/24\n2001:db8::/32\n", ListFormat.Ip },
        { "192.0.2.1\t42\n198.51.100.7 # scanner\n", ListFormat.Ip },
        { "\uFEFF0.0.0.0 ads.example.org\n", ListFormat.Hosts },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void DetectFormat_RecognisesFormat_FromFirstLines(string text, ListFormat expected)
    {
        Assert.Equal(expected, ListParser.DetectFormat(text.Split('\n')));
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only comments\n! and more\n\n")]
    [InlineData("hello world\nthis is prose\nnot a list\n")]
    [InlineData("ads.example.org\nhello world\nmore prose here\n0.0.0.0 a.example.org\n")]
    public void DetectFormat_ReturnsNull_WhenUnsure(string text)
    {
        Assert.Null(ListParser.DetectFormat(text.Split('\n')));
    }

    [Fact]
    public void DetectFormat_LooksOnlyAtTheFirstHundredDataLines()
    {
        var lines = Enumerable.Range(0, 100).Select(i => $"0.0.0.0 n{i}.example.org").ToList();
        lines.AddRange(Enumerable.Range(0, 1000).Select(i => $"n{i}.example.org"));

        Assert.Equal(ListFormat.Hosts, ListParser.DetectFormat(lines));
    }

    [Theory]
    [InlineData("shadowwhisperer-malware.hosts.txt", ListFormat.Hosts)]
    [InlineData("blocklistproject-phishing.domains.txt", ListFormat.Domains)]
    [InlineData("hagezi-tif.mini.adblock.txt", ListFormat.Adblock)]
    [InlineData("hagezi-fake.rpz.txt", ListFormat.Rpz)]
    [InlineData("blocklistproject-malware.ip.txt", ListFormat.Ip)]
    public void DetectFormat_PicksRightFormat_ForRealFeed(string fileName, ListFormat expected)
    {
        string path = SharedData.RequirePath(fileName);

        List<string> sample = File.ReadLines(path).Take(200).ToList();

        Assert.Equal(expected, ListParser.DetectFormat(sample));
    }

    [Theory]
    [InlineData("hosts", ListFormat.Hosts)]
    [InlineData("Domains", ListFormat.Domains)]
    [InlineData("ADBLOCK", ListFormat.Adblock)]
    [InlineData("rpz", ListFormat.Rpz)]
    [InlineData(" ip ", ListFormat.Ip)]
    public void TryParseFormatName_AcceptsConfiguredNames(string text, ListFormat expected)
    {
        Assert.True(ListParser.TryParseFormatName(text, out ListFormat format));
        Assert.Equal(expected, format);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("host")]
    [InlineData("plain")]
    [InlineData(null)]
    public void TryParseFormatName_RejectsOtherText(string? text)
    {
        Assert.False(ListParser.TryParseFormatName(text, out _));
    }
}
