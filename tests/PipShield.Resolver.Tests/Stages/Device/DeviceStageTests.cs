using System.Net;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Stages.Device;

namespace PipShield.Resolver.Tests.Stages.Device;

public sealed class DeviceStageTests
{
    private static readonly DeviceIdentity Phone = new("abcdefghijklmnopqrst", "Sam's phone");

    private static readonly ClientAddress PhoneAddress = ClientAddress.From(IPAddress.Parse("192.0.2.10"));

    [Theory]
    [InlineData(Transport.Udp)]
    [InlineData(Transport.Tcp)]
    public async Task PlainDnsQuery_FromAMappedAddress_CarriesTheDevice(Transport transport)
    {
        var query = new QueryContext { Client = PhoneAddress, Transport = transport };

        StageResult result = await new DeviceStage(new Directory()).ProcessAsync(query, CancellationToken.None);

        Assert.Equal(StageResult.Continue, result);
        Assert.Same(Phone, query.Device);
    }

    [Fact]
    public async Task Query_FromAnotherAddress_HasNoDevice()
    {
        var query = new QueryContext { Client = ClientAddress.From(IPAddress.Parse("192.0.2.11")), Transport = Transport.Udp };

        await new DeviceStage(new Directory()).ProcessAsync(query, CancellationToken.None);

        Assert.Null(query.Device);
    }

    [Fact]
    public async Task EncryptedQuery_KeepsTheDeviceItsListenerNamed()
    {
        var other = new DeviceIdentity("zyxwvutsrqponmlkjihg", "Laptop");
        var query = new QueryContext { Client = PhoneAddress, Transport = Transport.Https, Device = other };

        await new DeviceStage(new Directory()).ProcessAsync(query, CancellationToken.None);

        Assert.Same(other, query.Device);
    }

    [Fact]
    public async Task NamingTheDevice_AllocatesNothing()
    {
        var stage = new DeviceStage(new Directory());
        var query = new QueryContext { Client = PhoneAddress, Transport = Transport.Udp };
        await stage.ProcessAsync(query, CancellationToken.None); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            query.Device = null;
            _ = stage.ProcessAsync(query, CancellationToken.None);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Same(Phone, query.Device);
    }

    private sealed class Directory : IDeviceDirectory
    {
        private readonly Dictionary<ClientAddress, DeviceIdentity> _byAddress = new() { [PhoneAddress] = Phone };

        public bool RefuseUnknownIds => false;

        public DeviceIdentity? FindById(ReadOnlySpan<char> id) => id.SequenceEqual(Phone.Id) ? Phone : null;

        public DeviceIdentity? FindByAddress(ClientAddress address) => _byAddress.GetValueOrDefault(address);
    }
}
