namespace PipShield.Service.Cli;

/// <summary>Writes a file through a temporary file in the same folder and a rename, so readers (and a failed
/// write) never see half a file: the path holds either the old content or the complete new one.</summary>
internal static class AtomicFile
{
    /// <summary>Runs <paramref name="write"/> on a new temporary file, flushes it to disk, then renames it over
    /// <paramref name="path"/>. On any failure the temporary file is deleted and <paramref name="path"/> is untouched.</summary>
    public static T Write<T>(string path, Func<Stream, T> write)
    {
        string fullPath = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(fullPath) ?? ".";
        // Same folder: a rename within one file system is atomic; a hidden name keeps it out of globs.
        string temp = Path.Combine(folder, $".{Path.GetFileName(fullPath)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            T result;
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                result = write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, fullPath, overwrite: true);
            return result;
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (CliFiles.IsFileError(ex))
        {
            // Nothing more to do: the target was not touched, and the name marks the file as a leftover.
        }
    }
}
