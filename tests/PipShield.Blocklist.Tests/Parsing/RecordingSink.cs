using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Tests.Parsing;

/// <summary>Keeps everything a parser reports, in order, for assertions.</summary>
internal sealed class RecordingSink : IRuleSink
{
    public List<RecordedRule> Rules { get; } = [];

    public List<(int Line, string Reason)> Errors { get; } = [];

    public List<(int Line, SkipReason Reason)> Skips { get; } = [];

    public static RecordingSink Parse(string text, ListFormat format)
    {
        var sink = new RecordingSink();
        ListParser.Parse(new StringReader(text), format, sink);
        return sink;
    }

    /// <summary>The one rule of a single-rule input, after checking nothing else was reported.</summary>
    public static RecordedRule ParseSingleRule(string text, ListFormat format)
    {
        RecordingSink sink = Parse(text, format);
        Assert.Empty(sink.Errors);
        Assert.Empty(sink.Skips);
        return Assert.Single(sink.Rules);
    }

    /// <summary>The one error of a single-error input, after checking nothing else was reported.</summary>
    public static (int Line, string Reason) ParseSingleError(string text, ListFormat format)
    {
        RecordingSink sink = Parse(text, format);
        Assert.Empty(sink.Rules);
        Assert.Empty(sink.Skips);
        return Assert.Single(sink.Errors);
    }

    /// <summary>The one skip of a single-skip input, after checking nothing else was reported.</summary>
    public static SkipReason ParseSingleSkip(string text, ListFormat format)
    {
        RecordingSink sink = Parse(text, format);
        Assert.Empty(sink.Rules);
        Assert.Empty(sink.Errors);
        return Assert.Single(sink.Skips).Reason;
    }

    public void OnRule(int lineNumber, ListRule rule) => Rules.Add(RecordedRule.From(lineNumber, rule));

    public void OnError(int lineNumber, string reason) => Errors.Add((lineNumber, reason));

    public void OnSkipped(int lineNumber, SkipReason reason) => Skips.Add((lineNumber, reason));
}
