using Microsoft.Extensions.Logging;

namespace PipShield.Service.Tests.Alerts;

/// <summary>Keeps every log event with its structured values, for tests that check what an operator would see.</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly List<Entry> _entries = [];

    public IReadOnlyList<Entry> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>The alert events (id 3602).</summary>
    public IReadOnlyList<Entry> Alerts => [.. Entries.Where(e => e.EventId == 3602)];

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    public sealed record Entry(LogLevel Level, int EventId, string Message, Dictionary<string, object?> State)
    {
        public string? this[string key] => State.TryGetValue(key, out object? value) ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    private sealed class Logger(RecordingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = new Dictionary<string, object?>();
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var pair in pairs)
                {
                    values[pair.Key] = pair.Value;
                }
            }

            lock (owner._entries)
            {
                owner._entries.Add(new Entry(logLevel, eventId.Id, formatter(state, exception), values));
            }
        }
    }
}
