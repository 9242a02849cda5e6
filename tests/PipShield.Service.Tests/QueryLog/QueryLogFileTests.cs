using PipShield.Service.QueryLog;

namespace PipShield.Service.Tests.QueryLog;

/// <summary>Rotation of the query log file by day, which the host tests cannot wait for.</summary>
public sealed class QueryLogFileTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "pipshield-qlog-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Theory]
    [InlineData(true, 2)]
    [InlineData(false, 1)]
    public void NewUtcDay_StartsANewFile_OnlyWhenRotatingDaily(bool rotateDaily, int files)
    {
        var clock = new SettableClock(new DateTimeOffset(2026, 12, 1, 23, 59, 59, TimeSpan.Zero));
        string path = Path.Combine(_folder, "queries.jsonl");
        using (var file = new QueryLogFile(path, maxBytes: 1 << 20, maxFiles: 7, rotateDaily, clock))
        {
            file.Write("{\"n\":1}\n"u8);
            clock.Now = clock.Now.AddSeconds(2);
            file.Write("{\"n\":2}\n"u8);
        }

        Assert.Equal(files, Directory.GetFiles(_folder).Length);
        Assert.Equal(["{\"n\":2}"], rotateDaily ? File.ReadAllLines(path) : File.ReadAllLines(path)[1..]);
        if (rotateDaily)
        {
            Assert.Equal(["{\"n\":1}"], File.ReadAllLines(QueryLogFile.Older(path, 1)));
        }
    }

    [Fact]
    public void ExistingFile_IsAppendedTo_NotReplaced()
    {
        string path = Path.Combine(_folder, "queries.jsonl");
        using (var file = new QueryLogFile(path, maxBytes: 1 << 20, maxFiles: 7, rotateDaily: false))
        {
            file.Write("{\"n\":1}\n"u8);
        }

        using (var file = new QueryLogFile(path, maxBytes: 1 << 20, maxFiles: 7, rotateDaily: false))
        {
            file.Write("{\"n\":2}\n"u8);
        }

        Assert.Equal(["{\"n\":1}", "{\"n\":2}"], File.ReadAllLines(path));
    }

    private sealed class SettableClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
