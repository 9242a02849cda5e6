namespace PipShield.Service.QueryLog;

/// <summary>
/// The query log file and its rotation: <c>queries.jsonl</c> is current, <c>queries.1.jsonl</c> the one before,
/// and so on up to <c>MaxFiles - 1</c>. Lines are only ever written whole, and a file is rotated between two
/// lines, so rotation never splits or loses one. Not thread-safe; the writer owns it.
/// </summary>
internal sealed class QueryLogFile : IDisposable
{
    private readonly string _path;
    private readonly long _maxBytes;
    private readonly int _maxFiles;
    private readonly bool _rotateDaily;
    private readonly TimeProvider _time;
    private FileStream? _stream;
    private DateOnly _day;

    /// <summary>Opens (appends to) <paramref name="path"/>, creating its folder and, on Unix, the file readable by its owner only.</summary>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    /// <exception cref="UnauthorizedAccessException">The file or folder is not writable.</exception>
    public QueryLogFile(string path, long maxBytes, int maxFiles, bool rotateDaily, TimeProvider? time = null)
    {
        _path = path;
        _maxBytes = maxBytes;
        _maxFiles = maxFiles;
        _rotateDaily = rotateDaily;
        _time = time ?? TimeProvider.System;
        Open();
    }

    public string Path => _path;

    /// <summary>Called after a rotation with the bytes the finished file held.</summary>
    public Action<long>? Rotated { get; set; }

    /// <summary>Appends one whole line, rotating first when it would not fit or a new UTC day has begun.</summary>
    public void Write(ReadOnlySpan<byte> line)
    {
        FileStream stream = _stream ?? Open();
        long length = stream.Position;
        bool full = length > 0 && length + line.Length > _maxBytes;
        bool newDay = _rotateDaily && length > 0 && Today() != _day;
        if (full || newDay)
        {
            Rotate(length);
            stream = Open();
        }

        stream.Write(line);
    }

    /// <summary>Pushes buffered lines to the operating system.</summary>
    public void Flush() => _stream?.Flush();

    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
    }

    /// <summary>The name of the <paramref name="generation"/>-th older file: <c>queries.2.jsonl</c>.</summary>
    public static string Older(string path, int generation)
    {
        string extension = System.IO.Path.GetExtension(path);
        return path[..^extension.Length] + "." + generation.ToString(System.Globalization.CultureInfo.InvariantCulture) + extension;
    }

    private FileStream Open()
    {
        string? folder = System.IO.Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var options = new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.Read | FileShare.Delete,
            BufferSize = 64 * 1024,
        };
        if (!OperatingSystem.IsWindows())
        {
            // Client addresses and names are personal data: nobody but the service account reads them.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        _stream = new FileStream(_path, options);
        _day = _stream.Length > 0 ? DateOnly.FromDateTime(File.GetLastWriteTimeUtc(_path)) : Today();
        return _stream;
    }

    private void Rotate(long length)
    {
        _stream!.Flush();
        _stream.Dispose();
        _stream = null;
        if (_maxFiles <= 1)
        {
            File.Delete(_path); // one file only: start it over
        }
        else
        {
            File.Delete(Older(_path, _maxFiles - 1));
            for (int generation = _maxFiles - 2; generation >= 1; generation--)
            {
                string older = Older(_path, generation);
                if (File.Exists(older))
                {
                    File.Move(older, Older(_path, generation + 1));
                }
            }

            File.Move(_path, Older(_path, 1));
        }

        Rotated?.Invoke(length);
    }

    private DateOnly Today() => DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);
}
