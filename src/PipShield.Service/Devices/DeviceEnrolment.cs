using System.Net;

namespace PipShield.Service.Devices;

/// <summary>
/// Adds and removes devices in the store file, one change at a time (<see cref="DeviceFile.Lock"/>); the running service
/// picks the change up on its next check.
/// </summary>
internal static class DeviceEnrolment
{
    /// <summary>Adds a device with a new ID.</summary>
    /// <exception cref="DeviceFileException">The name is taken, an address is not valid or already mapped, or the file is broken.</exception>
    public static DeviceRecord Add(string path, string name, IReadOnlyList<string> addresses, TimeProvider time)
    {
        name = name.Trim();
        if (name.Length == 0)
        {
            throw new DeviceFileException("a device needs a name");
        }

        using IDisposable writing = DeviceFile.Lock(path);
        List<DeviceRecord> devices = DeviceFile.Read(path);
        if (devices.Any(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new DeviceFileException($"a device named '{name}' is already enrolled; pick another name or remove it first");
        }

        var mapped = new List<string>();
        foreach (string text in addresses)
        {
            if (!IPAddress.TryParse(text, out IPAddress? address))
            {
                throw new DeviceFileException($"--address: '{text}' is not an IP address");
            }

            address = DeviceFile.Canonical(address);
            if (devices.FirstOrDefault(d => d.Addresses.Any(a => DeviceFile.Canonical(IPAddress.Parse(a)).Equals(address))) is { } owner)
            {
                throw new DeviceFileException($"--address: {address} already belongs to '{owner.Name}'");
            }

            mapped.Add(address.ToString());
        }

        string id;
        do
        {
            id = DeviceIds.New();
        }
        while (devices.Any(d => string.Equals(d.Id, id, StringComparison.OrdinalIgnoreCase))); // 2^-100: never, but cheap to rule out

        var device = new DeviceRecord { Id = id, Name = name, Created = time.GetUtcNow(), Addresses = [.. mapped.Distinct()] };
        devices.Add(device);
        DeviceFile.Write(path, devices);
        return device;
    }

    /// <summary>Removes the device with this name (ignoring case) or ID.</summary>
    /// <exception cref="DeviceFileException">No such device, or the file is broken.</exception>
    public static DeviceRecord Remove(string path, string nameOrId)
    {
        using IDisposable writing = DeviceFile.Lock(path);
        List<DeviceRecord> devices = DeviceFile.Read(path);
        DeviceRecord? device = devices.FirstOrDefault(d => string.Equals(d.Name, nameOrId.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? devices.FirstOrDefault(d => string.Equals(d.Id, nameOrId.Trim(), StringComparison.OrdinalIgnoreCase));
        if (device is null)
        {
            throw new DeviceFileException($"no device is named '{nameOrId}' or has that ID; 'pipshield devices list' shows them");
        }

        devices.Remove(device);
        DeviceFile.Write(path, devices);
        return device;
    }
}
