namespace PipShield.Resolver.Tests.Floods;

/// <summary>How many sockets a flood test may open in this process, from the open-file limit.</summary>
internal static class SocketBudget
{
    /// <summary>
    /// <paramref name="wanted"/>, or fewer when the soft limit on open files would not hold them: each flood socket
    /// costs two descriptors (client and server side), and the test host needs a few hundred of its own.
    /// </summary>
    public static int Clamp(int wanted)
    {
        long limit = OpenFileLimit() ?? 4096;
        long room = (limit - 512) / 2;
        return (int)Math.Clamp(room, 0, wanted);
    }

    private static long? OpenFileLimit()
    {
        const string LimitsFile = "/proc/self/limits";
        if (!File.Exists(LimitsFile))
        {
            return null;
        }

        foreach (string line in File.ReadLines(LimitsFile))
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                string[] fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 0 && long.TryParse(fields[0], out long soft) ? soft : null;
            }
        }

        return null;
    }
}
