using System.Net;
using PipShield.Resolver.Upstream;

namespace PipShield.Resolver.Tests.Stages.Upstream;

public sealed class UpstreamEndPointTests
{
    [Theory]
    [InlineData("9.9.9.9", "9.9.9.9:53")]
    [InlineData(" 192.0.2.1:5353 ", "192.0.2.1:5353")]
    [InlineData("2001:db8::53", "[2001:db8::53]:53")]
    [InlineData("[2001:db8::53]:853", "[2001:db8::53]:853")]
    public void TryParse_ReadsAddressAndPort(string text, string expected)
    {
        Assert.True(UpstreamEndPoint.TryParse(text, out IPEndPoint? endPoint));
        Assert.Equal(expected, endPoint.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("dns.example.net")]
    [InlineData("192.0.2.1:99999")]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    public void TryParse_RejectsNamesWildcardsAndBadPorts(string text) =>
        Assert.False(UpstreamEndPoint.TryParse(text, out _));

    [Fact]
    public void IsOwnEndPoint_MatchesExactListener()
    {
        IPEndPoint[] listeners = [IPEndPoint.Parse("192.0.2.10:53")];

        Assert.True(UpstreamEndPoint.IsOwnEndPoint(IPEndPoint.Parse("192.0.2.10:53"), listeners, []));
        Assert.False(UpstreamEndPoint.IsOwnEndPoint(IPEndPoint.Parse("192.0.2.10:5353"), listeners, []));
        Assert.False(UpstreamEndPoint.IsOwnEndPoint(IPEndPoint.Parse("192.0.2.11:53"), listeners, []));
    }

    [Fact]
    public void IsOwnEndPoint_TreatsWildcardListenerAsLoopbackAndLocalAddresses()
    {
        IPEndPoint[] listeners = [IPEndPoint.Parse("0.0.0.0:53")];
        IPAddress[] local = [IPAddress.Parse("192.0.2.10")];

        Assert.True(UpstreamEndPoint.IsOwnEndPoint(IPEndPoint.Parse("127.0.0.1:53"), listeners, local));
        Assert.True(UpstreamEndPoint.IsOwnEndPoint(IPEndPoint.Parse("192.0.2.10:53"), listeners, local));
        Assert.False(UpstreamEndPoint.IsOwnEndPoint(IPEndPoint.Parse("9.9.9.9:53"), listeners, local));
        Assert.False(UpstreamEndPoint.IsOwnEndPoint(IPEndPoint.Parse("[::1]:53"), listeners, local)); // 0.0.0.0 takes IPv4 only
    }

    [Fact]
    public void IsOwnEndPoint_MatchesMappedAddresses()
    {
        IPEndPoint[] listeners = [IPEndPoint.Parse("[::]:53")];

        Assert.True(UpstreamEndPoint.IsOwnEndPoint(IPEndPoint.Parse("[::ffff:127.0.0.1]:53"), listeners, []));
        Assert.True(UpstreamEndPoint.IsOwnEndPoint(IPEndPoint.Parse("[::1]:53"), listeners, []));
    }

    [Fact]
    public void Options_DefaultToProtectiveResolvers_OverEncryptedTransports_AndValidate()
    {
        var options = new UpstreamOptions();

        UpstreamAddress[] servers = [.. options.EffectiveServers.Select(text => UpstreamAddress.TryParse(text, out var a, out _) ? a : null!)];
        Assert.Equal(["9.9.9.9", "149.112.112.112", "1.1.1.2", "1.0.0.2"], servers.Select(s => s.EndPoint.Address.ToString()));
        Assert.Equal([UpstreamProtocol.Tls, UpstreamProtocol.Tls, UpstreamProtocol.Https, UpstreamProtocol.Https], servers.Select(s => s.Protocol));
        Assert.All(servers, s => Assert.NotNull(s.TlsName)); // certificates checked by name, not only by address
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Options_ValidationNamesTheKey()
    {
        var options = new UpstreamOptions { Servers = ["9.9.9.9", "resolver.example"], Deadline = TimeSpan.FromSeconds(1) };

        IReadOnlyList<string> errors = options.Validate();

        Assert.Contains(errors, e => e.StartsWith("Resolver:Upstream:Servers:1:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Resolver:Upstream:Deadline:", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => new UpstreamPool(options));
    }
}
