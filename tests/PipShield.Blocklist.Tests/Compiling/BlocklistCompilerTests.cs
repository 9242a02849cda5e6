using PipShield.Blocklist.Compiling;
using PipShield.Blocklist.Lookup;
using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Tests.Compiling;

public sealed class BlocklistCompilerTests
{
    [Fact]
    public void Compile_OfTheSameInput_GivesTheSameBytes()
    {
        const string list = "b.example.org\na.example.com\n*.c.example.net\n";
        byte[] first = TestImages.CompileBytes((list, ListFormat.Domains), ("192.0.2.0/24\n", ListFormat.Ip));
        byte[] second = TestImages.CompileBytes((list, ListFormat.Domains), ("192.0.2.0/24\n", ListFormat.Ip));

        Assert.Equal(first, second);
    }

    [Fact]
    public void Compile_CountsAcceptedDuplicateAndRejectedEntries_PerSource()
    {
        var compiler = new BlocklistCompiler();
        SourceSummary first = compiler.AddSource(new SourceDescriptor("one", "malware", ListFormat.Domains),
            new StringReader("a.example.com\nA.EXAMPLE.COM.\nbad name.example\nb.example.com\n"));
        SourceSummary second = compiler.AddSource(new SourceDescriptor("two", "phishing", ListFormat.Domains),
            new StringReader("b.example.com\nc.example.com\n"));

        Assert.Equal((2, 1, 1), (first.Accepted, first.Duplicates, first.Rejected));
        Assert.Equal((1, 1, 0), (second.Accepted, second.Duplicates, second.Rejected));
        ParseError error = Assert.Single(first.Errors);
        Assert.Equal(3, error.Line);
        Assert.StartsWith("one:3: ", error.ToString());
    }

    [Theory]
    [InlineData("exa$mple.com", "not allowed")]
    [InlineData("192.0.2.1", "IP address")]
    [InlineData("localdomain", "single label")]
    [InlineData("a..example.com", "empty label")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", "over the limit of 63")]
    public void Compile_RejectsBadNames_WithAReason(string name, string reason)
    {
        var compiler = new BlocklistCompiler();
        SourceSummary summary = compiler.AddSource(new SourceDescriptor("list.txt", "custom", ListFormat.Domains), new StringReader(name + "\n"));

        ParseError error = Assert.Single(summary.Errors);
        Assert.Contains(reason, error.Reason);
        Assert.Equal(0, summary.Accepted);
    }

    [Fact]
    public void Compile_RejectsNamesOver253Characters()
    {
        string name = string.Join('.', Enumerable.Repeat(new string('a', 50), 5)) + ".example";
        var compiler = new BlocklistCompiler();
        SourceSummary summary = compiler.AddSource(new SourceDescriptor("l", "c", ListFormat.Domains), new StringReader(name));

        Assert.Contains("over the limit of 253", Assert.Single(summary.Errors).Reason);
    }

    [Fact]
    public void Compile_DropsChildrenThatTheirParentAlreadyCovers_ButKeepsDifferentAnswers()
    {
        var compiler = new BlocklistCompiler();
        compiler.AddSource(new SourceDescriptor("feed", "malware", ListFormat.Domains),
            new StringReader("example.com\nwww.example.com\na.b.example.com\n"));
        compiler.AddSource(new SourceDescriptor("phish", "phishing", ListFormat.Domains),
            new StringReader("login.example.com\n"));
        compiler.AddSource(new SourceDescriptor("allow", "custom", ListFormat.Domains, IsAllowlist: true),
            new StringReader("safe.example.com\n"));

        using var stream = new MemoryStream();
        CompileResult result = compiler.WriteTo(stream);
        using var image = BlocklistImage.FromBytes(stream.ToArray());

        Assert.Equal(2, result.Redundant);
        Assert.Equal(3, result.DomainNodes);
        Assert.Equal("feed", image.GetSource(image.Match("www.example.com")).Name);
        Assert.Equal("phish", image.GetSource(image.Match("login.example.com")).Name);
        Assert.Equal(Verdict.Allowed, image.Match("safe.example.com").Verdict);
        Assert.Equal(Verdict.Blocked, image.Match("x.a.b.example.com").Verdict);
    }

    [Fact]
    public void Compile_RejectsASourceWithTooManyErrors_AndKeepsTheOthers()
    {
        var compiler = new BlocklistCompiler(new CompilerOptions { MaxErrorsPerSource = 2 });
        compiler.AddSource(new SourceDescriptor("good", "malware", ListFormat.Domains), new StringReader("good.example.com\n"));
        SourceSummary bad = compiler.AddSource(new SourceDescriptor("garbage", "malware", ListFormat.Domains),
            new StringReader("ok.example.net\nbad name\nalso bad\nthird bad one\n"));

        using var image = BlocklistImage.FromBytes(compiler.ToArray());

        Assert.True(bad.IsRejected);
        Assert.Equal(Verdict.Blocked, image.Match("good.example.com").Verdict);
        Assert.Equal(Verdict.None, image.Match("ok.example.net").Verdict);
        Assert.True(image.Sources[1].WasRejected);
    }

    [Fact]
    public void Compile_KeepsRpzLocalData_AsASinkholeOverride()
    {
        using var image = TestImages.Compile(("$TTL 60\nwalled.example A 192.0.2.10\nwalled.example AAAA 2001:db8::10\n", ListFormat.Rpz));

        RuleMatch match = image.Match("walled.example");

        Assert.Equal(RuleAction.LocalData, match.Action);
        string data = System.Text.Encoding.UTF8.GetString(image.GetLocalData(match));
        Assert.Contains("192.0.2.10", data);
        Assert.Contains("2001:db8::10", data);
    }

    [Fact]
    public void Compile_DetectsTheFormat_WhenNotGiven()
    {
        var compiler = new BlocklistCompiler();
        SourceSummary summary = compiler.AddSource(new SourceDescriptor("hosts", "malware"),
            new StringReader("# a hosts file\n0.0.0.0 a.example.com\n0.0.0.0 b.example.com\n"));

        Assert.Equal(ListFormat.Hosts, summary.Format);
        Assert.Equal(2, summary.Accepted);
    }

    [Fact]
    public void Compile_ReportsProgress_OnLongInput()
    {
        var reports = new List<CompileProgress>();
        var compiler = new BlocklistCompiler(new CompilerOptions { Progress = new SynchronousProgress(reports.Add), ProgressInterval = 1000 });
        var text = new System.Text.StringBuilder();
        for (int i = 0; i < 5000; i++)
        {
            text.Append("host").Append(i).Append(".example.com\n");
        }

        compiler.AddSource(new SourceDescriptor("big", "malware", ListFormat.Domains), new StringReader(text.ToString()));

        Assert.InRange(reports.Count, 4, 5);
        Assert.All(reports, r => Assert.Equal("big", r.Source));
    }

    [Fact]
    public void Image_RecordsSourcesAndCounts()
    {
        using var image = TestImages.Compile(
            ("a.example.com\nbad..name\n", new SourceDescriptor("feed.txt", "phishing", ListFormat.Domains, RuleAction.NxDomain)),
            ("192.0.2.1\n", new SourceDescriptor("ips.txt", "c2", ListFormat.Ip)));

        Assert.Equal(TestImages.FixedTime, image.BuildTime);
        Assert.Equal(1, image.DomainRuleCount);
        Assert.Equal(1, image.IpRuleCount);
        ImageSource feed = image.Sources[0];
        Assert.Equal(("feed.txt", "phishing", ListFormat.Domains, RuleAction.NxDomain, 1, 1), (feed.Name, feed.Category, feed.Format, feed.Action, feed.Accepted, feed.Rejected));
        Assert.Equal(RuleAction.NxDomain, image.Match("a.example.com").Action);
    }

    [Fact]
    public void Compile_SkipsLoopbackAddresses_InIpLists()
    {
        var compiler = new BlocklistCompiler();
        SourceSummary summary = compiler.AddSource(new SourceDescriptor("ips", "malware", ListFormat.Ip),
            new StringReader("127.0.0.2\n127.0.0.0/8\n::1\n0.0.0.0\n192.0.2.1\n"));

        using var image = BlocklistImage.FromBytes(compiler.ToArray());

        Assert.Equal(4, summary.SkippedByReason[(int)SkipReason.LocalHostEntry]);
        Assert.Equal(1, summary.Accepted);
        Assert.Equal(Verdict.None, image.Match(System.Net.IPAddress.Loopback).Verdict);
    }

    private sealed class SynchronousProgress(Action<CompileProgress> report) : IProgress<CompileProgress>
    {
        public void Report(CompileProgress value) => report(value);
    }
}
