using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using PipShield.Service.Tests.Hosting;
using PipShield.Tests.Tls;

namespace PipShield.Service.Tests.Upstream;

/// <summary>How <see cref="FakeDohServer"/> answers.</summary>
public enum FakeDohReply
{
    /// <summary>200 with an <c>application/dns-message</c> reply: A <see cref="LoopbackUpstream.Address"/>.</summary>
    Answer,

    /// <summary>500, as a broken server would.</summary>
    ServerError,

    /// <summary>200 with an HTML page, as a captive portal would.</summary>
    Html,
}

/// <summary>One request as the fake saw it.</summary>
internal sealed record FakeDohRequest(string Protocol, string Method, string Path, string? ContentType, string? Host, string ConnectionId, ushort QueryId);

/// <summary>
/// A DNS-over-HTTPS upstream on Kestrel (127.0.0.1, a free port, the test CA's certificate, HTTP/1.1 and HTTP/2):
/// records every request — protocol, method, content type, connection — and answers as <see cref="FakeDohReply"/> says.
/// </summary>
internal sealed class FakeDohServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<FakeDohRequest> _requests = [];

    private FakeDohServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public FakeDohReply Reply { get; set; }

    public IReadOnlyList<FakeDohRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<FakeDohServer> StartAsync(TestCertificates certificates, FakeDohReply reply = FakeDohReply.Answer)
    {
        int port = HostTestKit.FreePort();
        X509Certificate2 certificate = X509Certificate2.CreateFromPemFile(certificates.CertificateFile, certificates.KeyFile);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(certificate);
        }));
        WebApplication app = builder.Build();
        var server = new FakeDohServer(app, port) { Reply = reply };
        app.Run(server.HandleAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        byte[] query = body.ToArray();
        lock (_requests)
        {
            _requests.Add(new FakeDohRequest(context.Request.Protocol, context.Request.Method, context.Request.Path, context.Request.ContentType,
                context.Request.Host.Value, context.Connection.Id, query.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(query) : (ushort)0xFFFF));
        }

        switch (Reply)
        {
            case FakeDohReply.ServerError:
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                return;
            case FakeDohReply.Html:
                context.Response.ContentType = "text/html";
                await context.Response.WriteAsync("<html><body>Sign in to the hotel Wi-Fi</body></html>", context.RequestAborted);
                return;
        }

        byte[]? reply = LoopbackUpstream.Reply(query);
        if (reply is null)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        context.Response.ContentType = "application/dns-message";
        context.Response.ContentLength = reply.Length;
        await context.Response.Body.WriteAsync(reply, context.RequestAborted);
    }
}
