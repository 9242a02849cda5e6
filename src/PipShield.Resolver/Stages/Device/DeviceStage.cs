using PipShield.Resolver.Pipeline;

namespace PipShield.Resolver.Stages.Device;

/// <summary>
/// Names the device behind a plain-DNS query from its client address, so the query log and block events can say
/// whose device asked. Encrypted transports name the device in the listener (DoH path, DoT server name); this
/// stage leaves a device already set alone.
/// </summary>
public sealed class DeviceStage(IDeviceDirectory devices) : IQueryStage
{
    public ValueTask<StageResult> ProcessAsync(QueryContext query, CancellationToken cancellationToken)
    {
        // Plain DNS carries no ID, so the address is all there is; a lookup in a dictionary allocates nothing.
        if (query.Device is null && query.Transport is Transport.Udp or Transport.Tcp)
        {
            query.Device = devices.FindByAddress(query.Client);
        }

        return new ValueTask<StageResult>(StageResult.Continue);
    }
}
