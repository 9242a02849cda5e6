using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PipShield.Resolver.Pipeline;
using PipShield.Service.Hosting;

namespace PipShield.Service.Devices;

/// <summary>
/// The enrolled devices of <c>devices.json</c>, for the listeners, the pipeline and the enrolment page. The file is
/// checked every <see cref="ListsOptions.ReloadCheckInterval"/> and reloaded when it changes; a file that cannot be
/// read leaves the devices already loaded in use. Lookups read an immutable snapshot swapped in whole.
/// </summary>
internal sealed class DeviceStore : IDeviceDirectory, IHostedService, IAsyncDisposable
{
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Snapshot _current = Snapshot.Empty;
    private Task _watching = Task.CompletedTask;
    private (long Length, long Ticks) _lastSeen = (-1, -1);

    public DeviceStore(IOptions<DevicesOptions> devices, IOptions<ListsOptions> lists, ILoggerFactory loggerFactory)
    {
        Options = devices.Value;
        Path = PathOf(Options, lists.Value.StateDirectory);
        _interval = lists.Value.ReloadCheckInterval;
        _logger = loggerFactory.CreateLogger("PipShield.Devices");
        Reload(); // now, not at start: the resolver, started first, already names devices
    }

    /// <summary>The store's full path.</summary>
    public string Path { get; }

    public DevicesOptions Options { get; }

    public bool RefuseUnknownIds => Options.RefuseUnknownIds;

    /// <summary>The devices loaded now, in file order.</summary>
    public IReadOnlyList<DeviceIdentity> Devices => Volatile.Read(ref _current).All;

    /// <summary>Where the store of <paramref name="options"/> lives, given the configured state directory.</summary>
    public static string PathOf(DevicesOptions options, string? stateDirectory)
    {
        string state = ImageLoader.StateDirectoryOf(stateDirectory);
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(state, options.StoreFile));
    }

    public DeviceIdentity? FindById(ReadOnlySpan<char> id) =>
        Volatile.Read(ref _current).ById.TryGetValue(id, out DeviceIdentity? device) ? device : null;

    public DeviceIdentity? FindByAddress(ClientAddress address) =>
        Volatile.Read(ref _current).ByAddress.TryGetValue(address, out DeviceIdentity? device) ? device : null;

    /// <summary>Reads the file again and swaps the new devices in.</summary>
    /// <returns>False when the file could not be read (the previous devices stay).</returns>
    public bool Reload()
    {
        _lastSeen = Fingerprint();
        List<DeviceRecord> records;
        try
        {
            records = DeviceFile.Read(Path);
        }
        catch (DeviceFileException ex)
        {
            DevicesLog.LoadFailed(_logger, Path, ex.Message);
            return false;
        }

        var snapshot = new Snapshot(records);
        Volatile.Write(ref _current, snapshot);
        DevicesLog.Loaded(_logger, snapshot.All.Count, snapshot.ByAddress.Count, Path);
        if (DeviceFile.IsOpenToOthers(Path))
        {
            DevicesLog.OpenPermissions(_logger, Path);
        }

        return true;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Once, at start: a device enrolled without encrypted DNS is a set-up the IT lead has not finished.
        if (Devices.Count > 0 && Options.DohBaseUrl is not { Length: > 0 } && Options.DotHostName is not { Length: > 0 })
        {
            DevicesLog.NoEncryptedDns(_logger, Devices.Count);
        }

        if (_interval > TimeSpan.Zero)
        {
            _watching = WatchAsync(_stopping.Token);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _watching.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    // The token source is never disposed: it has no timer to release, and the host may call StopAsync after the
    // container has disposed this (once per registration it is reachable through).
    public ValueTask DisposeAsync() => new(StopAsync(CancellationToken.None));

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_interval);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            if (Fingerprint() != _lastSeen)
            {
                Reload();
            }
        }
    }

    private (long, long) Fingerprint()
    {
        var file = new FileInfo(Path);
        return file.Exists ? (file.Length, file.LastWriteTimeUtc.Ticks) : (-1, -1);
    }

    /// <summary>One immutable view of the store: built off the query path, read without locks.</summary>
    private sealed class Snapshot
    {
        public static readonly Snapshot Empty = new([]);

        public Snapshot(List<DeviceRecord> records)
        {
            var byId = new Dictionary<string, DeviceIdentity>(records.Count, StringComparer.OrdinalIgnoreCase);
            var byAddress = new Dictionary<ClientAddress, DeviceIdentity>();
            var all = new List<DeviceIdentity>(records.Count);
            foreach (DeviceRecord record in records)
            {
                var device = new DeviceIdentity(record.Id, record.Name);
                all.Add(device);
                byId[record.Id] = device;
                foreach (string address in record.Addresses)
                {
                    byAddress[ClientAddress.From(IPAddress.Parse(address))] = device;
                }
            }

            // DoT server names and DoH paths arrive as spans of a larger buffer: look them up without a string.
            ById = byId.GetAlternateLookup<ReadOnlySpan<char>>();
            ByAddress = byAddress;
            All = all;
        }

        public Dictionary<string, DeviceIdentity>.AlternateLookup<ReadOnlySpan<char>> ById { get; }

        public Dictionary<ClientAddress, DeviceIdentity> ByAddress { get; }

        public List<DeviceIdentity> All { get; }
    }
}
