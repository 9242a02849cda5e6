using System.Net;
using System.Text.Json;

namespace PipShield.Service.Hosting.Install;

/// <summary>
/// The <c>pipshield.json</c> install writes when there is none yet: the addresses to answer on and, on Windows,
/// where compiled lists go. An existing file is the user's and is never replaced.
/// </summary>
internal static class StarterConfig
{
    /// <summary>Port 53 on loopback only: this machine is protected at once, and nothing is exposed to the
    /// network until someone adds an address on purpose (127.0.0.1 does not clash with systemd-resolved's 127.0.0.53).</summary>
    public static readonly IReadOnlyList<string> DefaultListen = ["127.0.0.1:53", "[::1]:53"];

    public static string Render(IReadOnlyList<string> listen, string? stateDirectory)
    {
        var resolver = new Dictionary<string, object> { ["Server"] = new Dictionary<string, object> { ["ListenEndPoints"] = listen } };
        var root = new Dictionary<string, object> { ["Resolver"] = resolver };
        if (stateDirectory is not null)
        {
            root["Lists"] = new Dictionary<string, object> { ["StateDirectory"] = stateDirectory };
        }

        return JsonSerializer.Serialize(root, Options) + "\n";
    }

    /// <exception cref="InstallException">An entry is not <c>ADDR:PORT</c>.</exception>
    public static void RequireEndPoints(IEnumerable<string> listen)
    {
        foreach (string endPoint in listen)
        {
            if (!IPEndPoint.TryParse(endPoint, out IPEndPoint? parsed) || parsed.Port == 0)
            {
                throw new InstallException($"--listen: '{endPoint}' is not an address and port such as 192.0.2.10:53 or [2001:db8::10]:53");
            }
        }
    }

    /// <summary>Writes the starter file at <paramref name="path"/> unless one is there, saying which.</summary>
    public static void WriteIfAbsent(string path, string content, TextWriter output)
    {
        if (File.Exists(path))
        {
            output.WriteLine($"Kept the existing {path}");
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(content); // CreateNew: a file that appeared meanwhile is kept, not overwritten
        }

        output.WriteLine($"Wrote {path}");
    }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };
}
