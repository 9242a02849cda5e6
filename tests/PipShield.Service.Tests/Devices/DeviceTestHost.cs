using PipShield.Service.Devices;
using PipShield.Service.Tests.BlockPage;

namespace PipShield.Service.Tests.Devices;

/// <summary>
/// The service on loopback (DNS and the warning page) with a device store of its own, written before start:
/// "Sam's &lt;phone&gt;" mapped to 127.0.0.1 for plain DNS, and a second device with no address.
/// </summary>
internal sealed class DeviceTestHost : IAsyncDisposable
{
    public const string DohBase = "https://dns.example.org/dns-query";
    public const string DotHost = "dns.example.org";
    public const string PhoneName = "Sam's <phone>";

    private readonly string _folder;

    private DeviceTestHost(string folder, BlockPageTestHost host, DeviceRecord phone, DeviceRecord laptop)
    {
        _folder = folder;
        Host = host;
        Phone = phone;
        Laptop = laptop;
    }

    public BlockPageTestHost Host { get; }

    public DeviceRecord Phone { get; }

    public DeviceRecord Laptop { get; }

    public string StorePath => Path.Combine(_folder, "devices.json");

    public static async Task<DeviceTestHost> StartAsync(Dictionary<string, string?>? overrides = null)
    {
        string folder = Directory.CreateTempSubdirectory("pipshield-devices-").FullName;
        string store = Path.Combine(folder, "devices.json");
        DeviceRecord phone = DeviceEnrolment.Add(store, PhoneName, ["127.0.0.1"], TimeProvider.System);
        DeviceRecord laptop = DeviceEnrolment.Add(store, "Office laptop", [], TimeProvider.System);
        var settings = new Dictionary<string, string?>
        {
            ["Devices:StoreFile"] = store, // absolute: the state directory is the block page host's own
            ["Devices:DohBaseUrl"] = DohBase,
            ["Devices:DotHostName"] = DotHost,
        };
        foreach (KeyValuePair<string, string?> entry in overrides ?? [])
        {
            settings[entry.Key] = entry.Value;
        }

        try
        {
            return new DeviceTestHost(folder, await BlockPageTestHost.StartAsync(settings), phone, laptop);
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
