using PipShield.Blocklist.Lookup;

namespace PipShield.Service.Cli;

/// <summary>File checks and I/O failures turned into one-line <see cref="CliException"/>s.</summary>
internal static class CliFiles
{
    /// <summary>Whether an exception is an ordinary file failure (missing, unreadable, locked).</summary>
    public static bool IsFileError(Exception ex) => ex is IOException or UnauthorizedAccessException;

    /// <summary>A one-line description of a file failure, starting with the path.</summary>
    public static string Describe(string path, Exception ex) => ex switch
    {
        FileNotFoundException or DirectoryNotFoundException => $"{path}: no such file",
        UnauthorizedAccessException => $"{path}: permission denied",
        _ => $"{path}: {ex.Message}",
    };

    /// <exception cref="CliException"><paramref name="path"/> is not an existing file.</exception>
    public static void RequireFile(string path, string what)
    {
        if (Directory.Exists(path))
        {
            throw new CliException($"{path}: is a folder, not a {what}");
        }

        if (!File.Exists(path))
        {
            throw new CliException($"{path}: no such {what}");
        }
    }

    /// <summary>Opens and fully verifies an image.</summary>
    /// <exception cref="CliException">Missing, unreadable, or not a valid image.</exception>
    public static BlocklistImage OpenImage(string path)
    {
        RequireFile(path, "image file");
        try
        {
            return BlocklistImage.Open(path);
        }
        catch (InvalidBlocklistImageException ex)
        {
            throw new CliException(ex.Message);
        }
        catch (Exception ex) when (IsFileError(ex))
        {
            throw new CliException(Describe(path, ex));
        }
    }
}
