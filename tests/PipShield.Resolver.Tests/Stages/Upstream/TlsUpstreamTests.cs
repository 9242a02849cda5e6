using System.Net;
using ARSoft.Tools.Net.Dns;
using PipShield.Resolver.Wire;
using PipShield.Resolver.Tests.Fakes;
using PipShield.Resolver.Upstream;
using PipShield.Tests.Tls;
using static PipShield.Resolver.Tests.Stages.Upstream.UpstreamTestKit;

namespace PipShield.Resolver.Tests.Stages.Upstream;

/// <summary>Upstreams over DNS-over-TLS: one kept, pipelined connection, checked certificates, failover.</summary>
public sealed class TlsUpstreamTests : IDisposable
{
    private const string Answer = "example.org. 60 IN A 192.0.2.1";

    private readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public async Task Queries_AreAnswered_OverOneKeptConnection()
    {
        await using var server = FakeDotServer.Start(_certificates, b => b.WithAnswer(Answer));
        using var pool = TlsPool($"tls://{server.EndPoint}#{TestCertificates.HostName}");

        for (int i = 0; i < 10; i++)
        {
            var (result, reply) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A, id: (ushort)(0x4000 + i)));
            Assert.Equal(UpstreamStatus.Ok, result.Status);
            DnsMessage message = Decode(reply);
            Assert.Equal(0x4000 + i, message.TransactionID);
            Assert.Equal(IPAddress.Parse("192.0.2.1"), Assert.IsType<ARecord>(Assert.Single(message.AnswerRecords)).Address);
        }

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => AskAsync(pool, UpstreamQuery("example.org", DnsType.A))));

        Assert.All(concurrent, c => Assert.Equal(UpstreamStatus.Ok, c.Result.Status));
        Assert.Equal(50, server.QueryCount);
        Assert.Equal(1, server.Connections);
        Assert.Equal([TestCertificates.HostName], server.ServerNames);
    }

    [Fact]
    public async Task Replies_OutOfOrder_AreMatchedToTheirQueries()
    {
        // The server holds replies until four queries are in, then answers the last first: only a client that sends
        // without waiting (pipelining) gets any answer, and only one that matches by ID gets the right ones.
        string[] names = ["one.example.org", "two.example.org", "three.example.org", "four.example.org"];
        await using var server = FakeDotServer.Start(_certificates, b =>
        {
            for (int i = 0; i < names.Length; i++)
            {
                b.WithAnswer($"{names[i]}. 60 IN A 192.0.2.{i + 1}");
            }
        }, new FakeDotBehavior { ReverseBatch = 4 });
        using var pool = TlsPool($"tls://{server.EndPoint}");

        var replies = await Task.WhenAll(names.Select(name => AskAsync(pool, UpstreamQuery(name, DnsType.A))));

        for (int i = 0; i < names.Length; i++)
        {
            Assert.Equal(UpstreamStatus.Ok, replies[i].Result.Status);
            DnsMessage message = Decode(replies[i].Reply);
            Assert.Equal(names[i] + ".", message.Questions[0].Name.ToString());
            Assert.Equal(IPAddress.Parse($"192.0.2.{i + 1}"), Assert.IsType<ARecord>(Assert.Single(message.AnswerRecords)).Address);
        }

        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task ServerClosingTheConnection_IsNotAFailure_TheNextQueryReconnects()
    {
        await using var server = FakeDotServer.Start(_certificates, b => b.WithAnswer(Answer), new FakeDotBehavior { CloseAfter = 1 });
        using var pool = TlsPool($"tls://{server.EndPoint}#{TestCertificates.HostName}");

        for (int i = 0; i < 5; i++)
        {
            var (result, _) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));
            Assert.Equal(UpstreamStatus.Ok, result.Status);
        }

        Assert.Equal(5, server.Connections);
        Assert.Equal(0, pool.Servers[0].ConsecutiveFailures);
    }

    [Fact]
    public async Task CertificateForAnotherName_IsRefused_AndTheNextServerAnswers()
    {
        await using var server = FakeDotServer.Start(_certificates, b => b.WithAnswer(Answer));
        await using var plain = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.99"));
        using var pool = TlsPool($"tls://{server.EndPoint}#resolver.example.net", plain.EndPoint.ToString());

        var (result, reply) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));

        Assert.Equal(UpstreamStatus.Ok, result.Status);
        Assert.Equal(IPAddress.Parse("192.0.2.99"), Assert.IsType<ARecord>(Assert.Single(Decode(reply).AnswerRecords)).Address);
        Assert.Equal(0, server.QueryCount);
        Assert.True(pool.Servers.Single(s => s.Address.Protocol == UpstreamProtocol.Tls).ConsecutiveFailures > 0);
    }

    [Fact]
    public async Task CertificateFromAnUntrustedCa_IsRefused()
    {
        await using var server = FakeDotServer.Start(_certificates, b => b.WithAnswer(Answer));
        var options = Options();
        options.Servers = [$"tls://{server.EndPoint}#{TestCertificates.HostName}"];
        options.MaxAttempts = 1;
        using var pool = new UpstreamPool(options); // the system's roots: the test CA is not among them

        var (result, _) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));

        Assert.Equal(UpstreamStatus.NetworkError, result.Status);
        Assert.Equal(0, server.QueryCount);
    }

    [Fact]
    public async Task SilentServer_TimesOut_AndQueriesFailOverToTheNext()
    {
        await using var silent = FakeDotServer.Start(_certificates, behavior: new FakeDotBehavior { Silent = true });
        await using var plain = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer));
        using var pool = TlsPool($"tls://{silent.EndPoint}", plain.EndPoint.ToString());
        string name = $"failover-{Guid.NewGuid():N}.example.org";

        var (result, _) = await AskAsync(pool, UpstreamQuery(name, DnsType.A));

        Assert.Equal(UpstreamStatus.Ok, result.Status);
        Assert.True(silent.QueryCount + plain.QueryCount >= 1);
    }

    [Fact]
    public async Task ClosedPort_IsANetworkError()
    {
        using var pool = TlsPool($"tls://{ClosedPort()}");

        var (result, _) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));

        Assert.Equal(UpstreamStatus.NetworkError, result.Status);
    }

    private UpstreamPool TlsPool(params string[] servers)
    {
        UpstreamOptions options = Options();
        options.Servers = [.. servers];
        options.CaFile = _certificates.CaFile;
        return new UpstreamPool(options);
    }
}
