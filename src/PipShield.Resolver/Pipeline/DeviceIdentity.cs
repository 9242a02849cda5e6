namespace PipShield.Resolver.Pipeline;

/// <summary>
/// An enrolled device: a random, unguessable ID that its encrypted-DNS settings carry (the DoH path
/// <c>/dns-query/{id}</c>, the DoT server name <c>{id}.dns.example.org</c>), and the name the IT lead gave it.
/// One instance per device, shared by every query from it, so naming a query's device allocates nothing.
/// </summary>
public sealed class DeviceIdentity(string id, string name)
{
    /// <summary>The device ID: lowercase letters and digits, long enough not to be guessed.</summary>
    public string Id { get; } = id;

    /// <summary>The name given at enrolment, e.g. "Sam's phone".</summary>
    public string Name { get; } = name;

    /// <summary>The ID as logs that leave the host show it: its first four characters only.</summary>
    public string ShortId => Id.Length <= 4 ? Id : Id[..4] + "…";

    public override string ToString() => Name;
}

/// <summary>The enrolled devices, looked up by the listeners (by ID) and the pipeline (by plain-DNS address).</summary>
public interface IDeviceDirectory
{
    /// <summary>The device with this ID, or null.</summary>
    DeviceIdentity? FindById(ReadOnlySpan<char> id);

    /// <summary>The device a plain-DNS client address is mapped to, or null.</summary>
    DeviceIdentity? FindByAddress(ClientAddress address);

    /// <summary>Whether a query carrying an ID that is not enrolled is refused (true) or answered as an unidentified client.</summary>
    bool RefuseUnknownIds { get; }
}
