namespace PipShield.Service.Alerts;

/// <summary>
/// The alert history <c>pipshield alerts</c> reads: one JSON line per alert in <c>alerts.jsonl</c>. When it holds
/// <c>maxLines</c> it becomes <c>alerts.1.jsonl</c> (replacing the previous one) and a new file starts, so the
/// history never holds more than twice <c>maxLines</c>. Created readable by its owner only: it names devices.
/// Not thread-safe; the reporter's background task owns it.
/// </summary>
internal sealed class AlertHistory(string path, int maxLines) : IDisposable
{
    private FileStream? _stream;
    private int _lines = -1;

    public string Path => path;

    /// <summary>The file before the current one.</summary>
    public static string Previous(string path) =>
        System.IO.Path.ChangeExtension(path, null) + ".1" + System.IO.Path.GetExtension(path);

    /// <summary>Appends one line and flushes it, so a reader (or a crash) sees every alert written so far.</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The file or its folder is not writable.</exception>
    public void Append(ReadOnlySpan<byte> json)
    {
        FileStream stream = _stream ?? Open();
        if (_lines >= maxLines)
        {
            Rotate();
            stream = Open();
        }

        stream.Write(json);
        stream.WriteByte((byte)'\n');
        stream.Flush();
        _lines++;
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
    }

    private FileStream Open()
    {
        string? folder = System.IO.Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        if (_lines < 0)
        {
            _lines = CountLines(path); // once per run: the file may hold alerts from before a restart
        }

        var options = new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.Read | FileShare.Delete,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        _stream = new FileStream(path, options);
        return _stream;
    }

    private void Rotate()
    {
        Dispose();
        File.Move(path, Previous(path), overwrite: true);
        _lines = 0;
    }

    private static int CountLines(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        int lines = 0;
        Span<byte> buffer = stackalloc byte[16 * 1024];
        for (int read; (read = stream.Read(buffer)) > 0;)
        {
            lines += buffer[..read].Count((byte)'\n');
        }

        return lines;
    }
}
