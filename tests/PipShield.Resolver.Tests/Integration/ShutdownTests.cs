using DnsClient;
using PipShield.Resolver.Tests.Listeners;
using PipShield.Resolver.Upstream;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Tests.Integration;

/// <summary>Stopping the server (the service's SIGTERM) while queries wait on an upstream.</summary>
public sealed class ShutdownTests
{
    private const int Pending = 20;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stop_AnswersTheQueriesAlreadyWaitingOnTheUpstream_BeforeClosing()
    {
        var upstream = new GatedUpstream();
        await using var resolver = await TestResolver.StartAsync(null, upstreamClient: upstream);
        LookupClient client = resolver.CreateClient();

        Task<IDnsQueryResponse>[] queries = [.. Enumerable.Range(0, Pending).Select(i => client.QueryAsync($"pending-{i}.example.org", QueryType.A, cancellationToken: Token))];
        await UdpListenerTests.WaitUntilAsync(() => resolver.Server.Counters.QueriesInFlight == Pending);
        Task stopping = resolver.Server.StopAsync();
        await Task.Delay(100, Token);
        Assert.False(stopping.IsCompleted, "the server stopped without waiting for the queries in flight");

        upstream.Release();
        IDnsQueryResponse[] answers = await Task.WhenAll(queries);
        await stopping;

        foreach (IDnsQueryResponse answer in answers)
        {
            Assert.False(answer.HasError, answer.ErrorMessage);
            Assert.Equal("192.0.2.1", Assert.Single(answer.Answers.ARecords()).Address.ToString());
        }

        Assert.Equal(0, resolver.Server.Counters.QueriesInFlight);
    }

    /// <summary>Holds every query until <see cref="Release"/>, then answers each with A 192.0.2.1.</summary>
    private sealed class GatedUpstream : IUpstreamClient
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _gate.TrySetResult();

        public async ValueTask<UpstreamResult> QueryAsync(ReadOnlyMemory<byte> query, Memory<byte> response, CancellationToken cancellationToken)
        {
            await _gate.Task.WaitAsync(cancellationToken);
            QueryParser.Parse(query.Span, out QueryInfo info);
            var writer = new DnsMessageWriter(response.Span);
            writer.TryWriteHeader(info.Id, (ushort)(DnsHeader.QrFlag | DnsHeader.RdFlag | DnsHeader.RaFlag), 1, 1, 0, 0);
            writer.TryWriteBytes(info.Question(query.Span));
            writer.TryWriteRecordHeader(DnsMessageWriter.QNamePointer, DnsType.A, 1, 60, 4);
            writer.TryWriteBytes([192, 0, 2, 1]);
            return new UpstreamResult(UpstreamStatus.Ok, writer.Length);
        }
    }
}
