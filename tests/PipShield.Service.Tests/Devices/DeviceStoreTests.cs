using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PipShield.Resolver.Pipeline;
using PipShield.Service.Devices;
using PipShield.Service.Hosting;

namespace PipShield.Service.Tests.Devices;

/// <summary>The device store: IDs, the file, and what the service sees after a change.</summary>
public sealed class DeviceStoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pipshield-store-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string StorePath => Path.Combine(_folder, "devices.json");

    private DeviceStore OpenStore(TimeSpan? interval = null) => new(
        Options.Create(new DevicesOptions()),
        Options.Create(new ListsOptions { StateDirectory = _folder, ReloadCheckInterval = interval ?? TimeSpan.Zero }),
        NullLoggerFactory.Instance);

    [Fact]
    public void NewIds_AreUnique_LongAndValidDnsLabels()
    {
        var ids = new HashSet<string>();
        for (int i = 0; i < 10_000; i++)
        {
            string id = DeviceIds.New();
            Assert.True(ids.Add(id), $"{id} came up twice");
            Assert.Equal(20, id.Length); // 20 base32 characters: 100 random bits
            Assert.Matches("^[a-z2-7]{20}$", id); // a DNS label (RFC 1035 §2.3.1: letters and digits) and a URL segment
        }

        // Every character of the alphabet turns up: the IDs use all 32 symbols, not a narrower set.
        Assert.Equal(32, ids.SelectMany(id => id).Distinct().Count());
    }

    [Fact]
    public async Task ConcurrentAddsAndRemoves_LoseNoDevice()
    {
        // Eight 'pipshield devices' runs at once, each adding five devices and removing one of its own: each reads the
        // file, changes it and writes it back, so without the store's lock most of the writes overwrite each other.
        Task[] runs = [.. Enumerable.Range(0, 8).Select(run => Task.Run(() =>
        {
            for (int i = 0; i < 5; i++)
            {
                DeviceEnrolment.Add(StorePath, $"device {run}-{i}", [$"192.0.2.{(run * 5) + i + 1}"], TimeProvider.System);
            }

            DeviceEnrolment.Remove(StorePath, $"device {run}-0");
        }, TestContext.Current.CancellationToken))];
        await Task.WhenAll(runs);

        List<DeviceRecord> stored = DeviceFile.Read(StorePath);
        Assert.Equal(32, stored.Count);
        Assert.Equal(
            [.. Enumerable.Range(0, 8).SelectMany(run => Enumerable.Range(1, 4).Select(i => $"device {run}-{i}")).Order()],
            stored.Select(d => d.Name).Order());
    }

    [Fact]
    public async Task AddedDevices_AreFoundByIdAndAddress_AndRemovedOnesAreNot()
    {
        DeviceRecord phone = DeviceEnrolment.Add(StorePath, "Sam's phone", ["192.0.2.10", "2001:db8::10"], TimeProvider.System);
        DeviceRecord laptop = DeviceEnrolment.Add(StorePath, "Laptop", [], TimeProvider.System);

        await using DeviceStore store = OpenStore();
        Assert.Equal(["Sam's phone", "Laptop"], store.Devices.Select(d => d.Name));
        Assert.Same(store.FindById(phone.Id), store.FindByAddress(ClientAddress.From(IPAddress.Parse("192.0.2.10"))));
        Assert.Equal("Sam's phone", store.FindByAddress(ClientAddress.From(IPAddress.Parse("2001:db8::10")))?.Name);
        Assert.Equal("Sam's phone", store.FindByAddress(ClientAddress.From(IPAddress.Parse("::ffff:192.0.2.10")))?.Name);
        Assert.Equal("Laptop", store.FindById(("x" + laptop.Id + "x").AsSpan(1, 20))?.Name); // a slice of a larger buffer
        Assert.Equal("Laptop", store.FindById(laptop.Id.ToUpperInvariant())?.Name); // DNS names ignore case
        Assert.Null(store.FindByAddress(ClientAddress.From(IPAddress.Parse("192.0.2.11"))));
        Assert.Null(store.FindById(DeviceIds.New()));

        DeviceEnrolment.Remove(StorePath, "sam's PHONE");
        Assert.True(store.Reload());
        Assert.Null(store.FindById(phone.Id));
        Assert.Null(store.FindByAddress(ClientAddress.From(IPAddress.Parse("192.0.2.10"))));
        DeviceEnrolment.Remove(StorePath, laptop.Id);
        Assert.True(store.Reload());
        Assert.Empty(store.Devices);
    }

    [Fact]
    public void StoreFile_IsReadableByItsOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes only; Windows uses ACLs");
            return;
        }

        DeviceEnrolment.Add(StorePath, "Sam's phone", [], TimeProvider.System);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(StorePath));
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp", SearchOption.AllDirectories)); // no temporary file left behind
    }

    [Fact]
    public void Add_RefusesATakenName_AndAnAddressOfAnotherDevice_WithoutChangingTheFile()
    {
        DeviceEnrolment.Add(StorePath, "Sam's phone", ["192.0.2.10"], TimeProvider.System);
        string before = File.ReadAllText(StorePath);

        var name = Assert.Throws<DeviceFileException>(() => DeviceEnrolment.Add(StorePath, "SAM'S PHONE", [], TimeProvider.System));
        Assert.Contains("already enrolled", name.Message);
        var address = Assert.Throws<DeviceFileException>(() => DeviceEnrolment.Add(StorePath, "Tablet", ["::ffff:192.0.2.10"], TimeProvider.System));
        Assert.Contains("192.0.2.10 already belongs to 'Sam's phone'", address.Message);
        var bad = Assert.Throws<DeviceFileException>(() => DeviceEnrolment.Add(StorePath, "Tablet", ["192.0.2.300"], TimeProvider.System));
        Assert.Contains("'192.0.2.300' is not an IP address", bad.Message);
        var unknown = Assert.Throws<DeviceFileException>(() => DeviceEnrolment.Remove(StorePath, "Tablet"));
        Assert.Contains("no device is named 'Tablet'", unknown.Message);

        Assert.Equal(before, File.ReadAllText(StorePath));
    }

    [Fact]
    public async Task ABrokenFile_KeepsTheDevicesLoaded_AndTheErrorNamesFileAndEntry()
    {
        DeviceRecord phone = DeviceEnrolment.Add(StorePath, "Sam's phone", [], TimeProvider.System);
        await using DeviceStore store = OpenStore();

        File.WriteAllText(StorePath, "[{\"id\":\"" + phone.Id + "\",\"name\":\"Sam's phone\"},{\"id\":\"short\",\"name\":\"x\"}]");
        Assert.False(store.Reload());
        Assert.Equal("Sam's phone", store.FindById(phone.Id)?.Name);
        var error = Assert.Throws<DeviceFileException>(() => DeviceFile.Read(StorePath));
        Assert.Contains(StorePath + ": device 2: id must be 20 characters", error.Message);

        File.WriteAllText(StorePath, "[\n{\"id\": \"" + phone.Id + "\",\n \"name\": }]");
        Assert.False(store.Reload());
        Assert.Contains(StorePath + ": line 3:", Assert.Throws<DeviceFileException>(() => DeviceFile.Read(StorePath)).Message);
        Assert.Equal("Sam's phone", store.FindById(phone.Id)?.Name);
    }

    [Fact]
    public async Task RunningStore_PicksUpAChangedFile()
    {
        await using DeviceStore store = OpenStore(TimeSpan.FromMilliseconds(100));
        await store.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            DeviceRecord phone = DeviceEnrolment.Add(StorePath, "Sam's phone", ["192.0.2.10"], TimeProvider.System);
            for (int i = 0; i < 100 && store.FindById(phone.Id) is null; i++)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }

            Assert.Equal("Sam's phone", store.FindById(phone.Id)?.Name);
        }
        finally
        {
            await store.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Lookups_AllocateNothing()
    {
        DeviceRecord phone = DeviceEnrolment.Add(StorePath, "Sam's phone", ["192.0.2.10"], TimeProvider.System);
        await using DeviceStore store = OpenStore();
        char[] serverName = $"{phone.Id}.dns.example.org".ToCharArray(); // as a DoT listener would hold it
        ClientAddress address = ClientAddress.From(IPAddress.Parse("192.0.2.10"));
        store.FindById(serverName.AsSpan(0, 20));
        store.FindByAddress(address);

        long before = GC.GetAllocatedBytesForCurrentThread();
        DeviceIdentity? byId = null;
        DeviceIdentity? byAddress = null;
        for (int i = 0; i < 100; i++)
        {
            byId = store.FindById(serverName.AsSpan(0, 20));
            byAddress = store.FindByAddress(address);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal("Sam's phone", byId?.Name);
        Assert.Same(byId, byAddress);
    }
}
