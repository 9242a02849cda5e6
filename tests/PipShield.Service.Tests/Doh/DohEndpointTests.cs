using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using PipShield.Service.Doh;

namespace PipShield.Service.Tests.Doh;

/// <summary>The DoH endpoint on its own, without a server around it.</summary>
public sealed class DohEndpointTests
{
    [Fact]
    public async Task WhileTheResolverIsNotRunning_AValidQueryGets503_WithRetryAfter()
    {
        var endpoint = new DohEndpoint(() => null, null, "/dns-query", NullLogger.Instance);
        byte[] query = DohTests.Query("example.org", 0);
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Post;
        context.Request.Path = "/dns-query";
        context.Request.ContentType = DohEndpoint.MessageType;
        context.Request.ContentLength = query.Length;
        context.Request.Body = new MemoryStream(query);
        context.Response.Body = new MemoryStream();

        await endpoint.HandleAsync(context);

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
        Assert.Equal("1", context.Response.Headers.RetryAfter.ToString());
    }
}
