using PipShield.Resolver.Upstream;

namespace PipShield.Resolver.Tests.Stages.Upstream;

public sealed class UpstreamAddressTests
{
    [Theory]
    [InlineData("9.9.9.9", UpstreamProtocol.Dns, "9.9.9.9:53", null, "9.9.9.9:53")]
    [InlineData("tls://9.9.9.9", UpstreamProtocol.Tls, "9.9.9.9:853", null, "tls://9.9.9.9:853")]
    [InlineData("TLS://9.9.9.9:8853#dns.quad9.net", UpstreamProtocol.Tls, "9.9.9.9:8853", "dns.quad9.net", "tls://9.9.9.9:8853#dns.quad9.net")]
    [InlineData("tls://9.9.9.9:53", UpstreamProtocol.Tls, "9.9.9.9:53", null, "tls://9.9.9.9:53")]
    [InlineData("tls://[2620:fe::fe]#dns.quad9.net", UpstreamProtocol.Tls, "[2620:fe::fe]:853", "dns.quad9.net", "tls://[2620:fe::fe]:853#dns.quad9.net")]
    [InlineData("tls://2620:fe::fe", UpstreamProtocol.Tls, "[2620:fe::fe]:853", null, "tls://[2620:fe::fe]:853")]
    [InlineData("https://1.1.1.2/dns-query#security.cloudflare-dns.com", UpstreamProtocol.Https, "1.1.1.2:443", "security.cloudflare-dns.com",
        "https://1.1.1.2:443/dns-query#security.cloudflare-dns.com")]
    [InlineData("https://9.9.9.9", UpstreamProtocol.Https, "9.9.9.9:443", null, "https://9.9.9.9:443/dns-query")]
    [InlineData("https://[2620:fe::fe]:8443/resolve{?dns}", UpstreamProtocol.Https, "[2620:fe::fe]:8443", null, "https://[2620:fe::fe]:8443/resolve")]
    public void Parses_EachForm(string text, UpstreamProtocol protocol, string endPoint, string? name, string canonical)
    {
        Assert.True(UpstreamAddress.TryParse(text, out UpstreamAddress? address, out string? error), error);

        Assert.Equal(protocol, address.Protocol);
        Assert.Equal(endPoint, address.EndPoint.ToString());
        Assert.Equal(name, address.TlsName);
        Assert.Equal(canonical, address.Text);
    }

    [Fact]
    public void DohRequests_NameTheCertificateHost_ButConnectToTheAddress()
    {
        Assert.True(UpstreamAddress.TryParse("https://1.1.1.2/dns-query#security.cloudflare-dns.com", out UpstreamAddress? named, out _));
        Assert.True(UpstreamAddress.TryParse("https://[2620:fe::fe]:8443/q", out UpstreamAddress? bare, out _));

        Assert.Equal("https://security.cloudflare-dns.com/dns-query", named.RequestUri.ToString());
        Assert.Equal("security.cloudflare-dns.com", named.TargetHost);
        Assert.Equal("https://[2620:fe::fe]:8443/q", bare.RequestUri.ToString());
        Assert.Equal("2620:fe::fe", bare.TargetHost);
    }

    [Theory]
    [InlineData("https://dns.quad9.net/dns-query", "must be an IP address", "https://9.9.9.9/dns-query#dns.quad9.net")]
    [InlineData("tls://dns.quad9.net", "must be an IP address", "#dns.quad9.net")]
    [InlineData("quic://9.9.9.9", "unknown scheme", "tls://ADDR")]
    [InlineData("tls://9.9.9.9#not a name", "after # is not a host name", "not a name")]
    [InlineData("https://9.9.9.9/dns-query?dns=AAAB", "is not https://ADDR[:PORT]/PATH[#NAME]", "")]
    [InlineData("resolver.example", "is not ADDR[:PORT]", "tls://ADDR[:PORT][#NAME]")]
    [InlineData("https://0.0.0.0/dns-query", "not an address a server can have", "")]
    public void Refuses_WhatItCannotUse_SayingWhy(string text, string reason, string hint)
    {
        Assert.False(UpstreamAddress.TryParse(text, out _, out string? error));

        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Contains(hint, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_NamesTheKeyAndIndex()
    {
        var options = new UpstreamOptions { Servers = ["9.9.9.9", "https://dns.quad9.net/dns-query"], CaFile = "/nonexistent/ca.pem" };

        IReadOnlyList<string> errors = options.Validate();

        Assert.Contains(errors, e => e.StartsWith("Resolver:Upstream:Servers:1: 'https://dns.quad9.net/dns-query'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Resolver:Upstream:CaFile:", StringComparison.Ordinal));
    }
}
