namespace PipShield.Service.Devices;

/// <summary>One device as <c>devices.json</c> stores it.</summary>
internal sealed class DeviceRecord
{
    /// <summary>The secret ID (<see cref="DeviceIds"/>).</summary>
    public string Id { get; set; } = "";

    /// <summary>The name given at enrolment; unique, ignoring case.</summary>
    public string Name { get; set; } = "";

    /// <summary>When the device was added.</summary>
    public DateTimeOffset Created { get; set; }

    /// <summary>Plain-DNS client addresses that mean this device; may be empty.</summary>
    public List<string> Addresses { get; set; } = [];
}
