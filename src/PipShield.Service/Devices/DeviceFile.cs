using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

using PipShield.Service.Cli;

namespace PipShield.Service.Devices;

/// <summary>
/// Reads and writes <c>devices.json</c>. Writes go through a temporary file and a rename, so a reader never sees
/// half a file, and the file is created readable by its owner only: it holds the device IDs, which are secrets.
/// </summary>
internal static partial class DeviceFile
{
    // Names are written as typed ("Sam's phone", not "Sam\u0027s phone"): the file is for people too, never for HTML.
    private static readonly JsonSerializerOptions Options = new(DeviceJson.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = DeviceJson.Default,
    };

    /// <summary>The devices in <paramref name="path"/>; none when the file does not exist.</summary>
    /// <exception cref="DeviceFileException">The file is not valid; the message names the file, the line or entry, and the problem.</exception>
    public static List<DeviceRecord> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        List<DeviceRecord>? devices;
        try
        {
            using FileStream stream = File.OpenRead(path);
            devices = stream.Length == 0 ? [] : JsonSerializer.Deserialize(stream, DeviceJson.Default.ListDeviceRecord);
        }
        catch (JsonException ex)
        {
            throw new DeviceFileException($"{path}: line {ex.LineNumber + 1}: {ex.Message.Split(" Path:")[0]}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DeviceFileException($"{path}: {ex.Message}");
        }

        devices ??= [];
        Check(path, devices);
        return devices;
    }

    /// <summary>Holds the store's lock file while one read-change-write runs (<see cref="FileLock"/>).</summary>
    /// <exception cref="DeviceFileException">Another run held the lock for longer than <see cref="FileLock.Wait"/>.</exception>
    public static IDisposable Lock(string path)
    {
        try
        {
            return FileLock.Acquire(path);
        }
        catch (IOException ex)
        {
            throw new DeviceFileException($"{path}: {ex.Message}");
        }
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="devices"/>, creating its folder if needed.</summary>
    public static void Write(string path, List<DeviceRecord> devices)
    {
        string fullPath = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(fullPath) ?? ".";
        Directory.CreateDirectory(folder);
        string temp = Path.Combine(folder, $".{Path.GetFileName(fullPath)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            {
                JsonSerializer.Serialize(stream, devices, Options);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Whether users other than the owner may read the file (always false on Windows, where ACLs apply).</summary>
    public static bool IsOpenToOthers(string path) =>
        !OperatingSystem.IsWindows() && File.Exists(path)
        && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0;

    private static void Check(string path, List<DeviceRecord> devices)
    {
        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var addresses = new HashSet<IPAddress>();
        for (int i = 0; i < devices.Count; i++)
        {
            DeviceRecord device = devices[i];
            string where = $"{path}: device {i + 1}";
            if (device is null)
            {
                throw new DeviceFileException($"{where}: is null");
            }

            if (!DeviceIds.IsWellFormed(device.Id))
            {
                throw new DeviceFileException($"{where}: id must be {DeviceIds.Length} characters of a-z and 2-7");
            }

            if (string.IsNullOrWhiteSpace(device.Name))
            {
                throw new DeviceFileException($"{where}: name is empty");
            }

            if (!ids.Add(device.Id))
            {
                throw new DeviceFileException($"{where} ({device.Name}): its id is also another device's");
            }

            if (!names.Add(device.Name))
            {
                throw new DeviceFileException($"{where}: the name '{device.Name}' is used twice");
            }

            device.Addresses ??= [];
            foreach (string text in device.Addresses)
            {
                if (!IPAddress.TryParse(text, out IPAddress? address))
                {
                    throw new DeviceFileException($"{where} ({device.Name}): '{text}' is not an IP address");
                }

                if (!addresses.Add(Canonical(address)))
                {
                    throw new DeviceFileException($"{where} ({device.Name}): address {text} already belongs to another device");
                }
            }
        }
    }

    /// <summary>IPv4-mapped IPv6 and IPv4 are one client, as <see cref="Resolver.Pipeline.ClientAddress"/> reads them.</summary>
    public static IPAddress Canonical(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    [JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
    [JsonSerializable(typeof(List<DeviceRecord>))]
    private sealed partial class DeviceJson : JsonSerializerContext;
}
