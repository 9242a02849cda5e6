using System.ComponentModel.DataAnnotations;

namespace PipShield.Service.QueryLog;

/// <summary>The query log: one JSON line per query, in a file that rotates by size and, optionally, daily.</summary>
public sealed class QueryLogOptions
{
    public const string SectionName = "QueryLog";

    /// <summary>Write the query log file. Blocks are still logged as events when it is off. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The file; older files get <c>.1</c>, <c>.2</c>… before the extension. Default
    /// <c>queries.jsonl</c> in <c>Lists:StateDirectory</c>.</summary>
    public string? Path { get; set; }

    /// <summary>A file that would grow past this many bytes is rotated first. Default 50 MiB.</summary>
    [Range(typeof(long), "1024", "1099511627776", ErrorMessage = "must be between 1024 bytes and 1 TiB")]
    public long MaxFileBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>Files kept, the current one included; the oldest is deleted on rotation. Default 7.</summary>
    [Range(1, 1000, ErrorMessage = "must be between 1 and 1000")]
    public int MaxFiles { get; set; } = 7;

    /// <summary>Also rotate at midnight UTC, so each file holds one day at most. Default false.</summary>
    public bool RotateDaily { get; set; }

    /// <summary>Log client addresses masked to their /24 (IPv4) or /48 (IPv6). Default false: a block must
    /// lead to the device that asked.</summary>
    public bool AnonymizeClients { get; set; }

    /// <summary>Log allowed (forwarded, cached, refused…) queries too, not only blocks. Default false: a full
    /// log is a browsing history of everyone on the network.</summary>
    public bool LogAllowed { get; set; }

    /// <summary>The file to write: <see cref="Path"/>, else <c>queries.jsonl</c> in the state directory.</summary>
    public string EffectivePath(string stateDirectory) =>
        System.IO.Path.GetFullPath(Path is { Length: > 0 } path ? path : System.IO.Path.Combine(stateDirectory, "queries.jsonl"));
}
