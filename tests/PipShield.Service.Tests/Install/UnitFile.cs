namespace PipShield.Service.Tests.Install;

/// <summary>A systemd unit read back as sections of <c>key=value</c> lines (keys may repeat, e.g. Environment=).</summary>
internal sealed class UnitFile
{
    private readonly Dictionary<string, List<(string Key, string Value)>> _sections = [];

    public UnitFile(string text)
    {
        List<(string, string)>? current = null;
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                Assert.EndsWith("]", line, StringComparison.Ordinal);
                current = [];
                Assert.True(_sections.TryAdd(line[1..^1], current), $"section {line} appears twice");
                continue;
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(current is not null && equals > 0, $"not a key=value line inside a section: {line}");
            current.Add((line[..equals], line[(equals + 1)..]));
        }
    }

    public IReadOnlyCollection<string> Sections => _sections.Keys;

    public IReadOnlyList<string> All(string section, string key) =>
        _sections.TryGetValue(section, out var lines) ? [.. lines.Where(l => l.Key == key).Select(l => l.Value)] : [];

    /// <summary>The value of a key that must appear exactly once.</summary>
    public string this[string section, string key] => Assert.Single(All(section, key));
}
