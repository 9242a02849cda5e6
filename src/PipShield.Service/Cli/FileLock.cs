namespace PipShield.Service.Cli;

/// <summary>
/// An exclusive lock on <c>{path}.lock</c>, held while one process reads, changes and writes <c>path</c>, so that two
/// processes (the service and a <c>pipshield</c> command, or two commands) changing the same small state file at the same
/// moment cannot both start from the old content and lose one's change. The lock file stays: deleting it on release
/// would let two later runs lock two different files.
/// </summary>
internal static class FileLock
{
    /// <summary>How long <see cref="Acquire"/> waits for another run to finish its change.</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <exception cref="IOException">Another run held the lock for longer than <see cref="Wait"/>; the message says so.</exception>
    public static IDisposable Acquire(string path)
    {
        string lockPath = Path.GetFullPath(path) + ".lock";
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath) ?? ".");
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        long deadline = Environment.TickCount64 + (long)Wait.TotalMilliseconds;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, options);
            }
            catch (IOException) when (Environment.TickCount64 < deadline)
            {
                Thread.Sleep(20); // another run is between its read and its write: a few milliseconds as a rule
            }
            catch (IOException ex)
            {
                throw new IOException($"another run has held {lockPath} for {Wait.TotalSeconds:0} seconds ({ex.Message})", ex);
            }
        }
    }
}
