using System.Security.Authentication;
using PipShield.Resolver.Upstream;

namespace PipShield.Resolver.Tests.Stages.Upstream;

public sealed class UpstreamLogTests
{
    [Fact]
    public void TlsFailureReason_KeepsTheInnerMessages_NotTheWrappers()
    {
        var failure = new AuthenticationException("Authentication failed, see inner exception.",
            new IOException("SSL Handshake failed with OpenSSL error - SSL_ERROR_SSL.",
                new InvalidOperationException("error:0A000086:SSL routines::certificate verify failed")));

        Assert.Equal("SSL Handshake failed with OpenSSL error - SSL_ERROR_SSL: error:0A000086:SSL routines::certificate verify failed",
            UpstreamLog.Reason(failure));
        Assert.Equal("The remote certificate is invalid: UntrustedRoot",
            UpstreamLog.Reason(new AuthenticationException("The remote certificate is invalid: UntrustedRoot")));
    }
}
