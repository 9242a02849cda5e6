using System.Net;
using ARSoft.Tools.Net.Dns;
using PipShield.Blocklist;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Stages.Upstream;
using PipShield.Resolver.Tests.Fakes;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Upstream;
using PipShield.Resolver.Wire;
using static PipShield.Resolver.Tests.Stages.Upstream.UpstreamTestKit;

namespace PipShield.Resolver.Tests.Stages.Upstream;

public sealed class UpstreamStageTests
{
    private const string Answer = "example.org. 60 IN A 192.0.2.1";

    [Fact]
    public async Task Process_RelaysAnswer_WithClientsIdAndQuestionCase()
    {
        await using var fake = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer));
        var stage = new UpstreamStage(Pool(fake));
        QueryContext query = Context(TestQueries.Build("ExAmPlE.oRg", DnsType.A, id: 0xBEEF, edns: true));

        StageResult result = await stage.ProcessAsync(query, TestContext.Current.CancellationToken);

        Assert.Equal(StageResult.Respond, result);
        Assert.Equal(ResponseOrigin.Upstream, query.Origin);
        Assert.Equal(query.Query.QName(query.RequestSpan).ToArray(), query.ResponseSpan.Slice(DnsHeader.Size, query.Query.QNameLength).ToArray());
        DnsMessage message = Decode(query.ResponseSpan);
        Assert.Equal(0xBEEF, message.TransactionID);
        Assert.True(message.IsRecursionAllowed);
        Assert.True(message.IsRecursionDesired);
        Assert.Equal(IPAddress.Parse("192.0.2.1"), Assert.IsType<ARecord>(Assert.Single(message.AnswerRecords)).Address);
        Assert.True(message.IsEDnsEnabled);
        Assert.Equal(UpstreamStage.PayloadSize, message.EDnsOptions!.UdpPayloadSize);
    }

    [Fact]
    public async Task Process_SendsOwnOpt_NotTheClients()
    {
        await using var fake = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer));
        var stage = new UpstreamStage(Pool(fake));
        byte[] cookie = TestQueries.Option(EdnsOptions.Cookie, [1, 2, 3, 4, 5, 6, 7, 8]);
        byte[] subnet = TestQueries.Option(EdnsOptions.ClientSubnet, [0, 1, 24, 0, 192, 0, 2]);
        QueryContext query = Context(TestQueries.Build("example.org", DnsType.A, flags: DnsHeader.CdFlag, edns: true,
            payload: 4096, dnssecOk: true, options: [.. cookie, .. subnet]));

        await stage.ProcessAsync(query, TestContext.Current.CancellationToken);

        FakeQuery sent = FakeWire.TryParseQuery(fake.LastQuery!)!;
        Assert.True(sent.HasOpt);
        Assert.Equal(1232, sent.OptPayload);
        Assert.True(sent.DnssecOk);
        Assert.Empty(sent.OptOptions);
        Assert.Equal(DnsHeader.RdFlag | DnsHeader.CdFlag, sent.Flags); // RD set although the client cleared it; CD kept
        Assert.Equal("example.org", sent.QName);
        Assert.Equal(0, DnsHeader.Flags(query.ResponseSpan) & DnsHeader.RdFlag); // the client's RD echoed
    }

    [Fact]
    public async Task Process_AddsOptUpstream_AndStripsItForClientWithoutEdns()
    {
        await using var fake = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer));
        var stage = new UpstreamStage(Pool(fake));
        QueryContext query = Context(TestQueries.Build("example.org", DnsType.A));

        await stage.ProcessAsync(query, TestContext.Current.CancellationToken);

        FakeQuery sent = FakeWire.TryParseQuery(fake.LastQuery!)!;
        Assert.True(sent.HasOpt);
        Assert.False(sent.DnssecOk);
        DnsMessage message = Decode(query.ResponseSpan);
        Assert.False(message.IsEDnsEnabled);
        Assert.Empty(message.AdditionalRecords);
        Assert.Single(message.AnswerRecords);
    }

    [Fact]
    public async Task Process_WritesServFailWithEde22_WhenEveryUpstreamTimesOut()
    {
        await using var a = await FakeUpstream.StartAsync(b => b.WithNoReply());
        await using var b = await FakeUpstream.StartAsync(b => b.WithNoReply());
        var options = Options(a, b);
        options.Timeout = TimeSpan.FromMilliseconds(100);
        var stage = new UpstreamStage(new UpstreamPool(options));
        QueryContext query = Context(TestQueries.Build("example.org", DnsType.A, id: 7, edns: true));

        StageResult result = await stage.ProcessAsync(query, TestContext.Current.CancellationToken);

        Assert.Equal(StageResult.Respond, result);
        Assert.Equal(ResponseOrigin.Error, query.Origin);
        Assert.Equal(ReturnCode.ServerFailure, Decode(query.ResponseSpan).ReturnCode);
        Assert.Equal(7, Decode(query.ResponseSpan).TransactionID);
        Assert.Equal((ushort)EdeCode.NoReachableAuthority, ExtendedError(query.ResponseSpan));
    }

    [Fact]
    public async Task Process_WritesServFailWithEde23_OnNetworkError()
    {
        var options = new UpstreamOptions { Servers = [ClosedPort()] };
        var stage = new UpstreamStage(new UpstreamPool(options));
        QueryContext query = Context(TestQueries.Build("example.org", DnsType.A, edns: true));

        await stage.ProcessAsync(query, TestContext.Current.CancellationToken);

        Assert.Equal(ReturnCode.ServerFailure, Decode(query.ResponseSpan).ReturnCode);
        Assert.Equal((ushort)EdeCode.NetworkError, ExtendedError(query.ResponseSpan));
    }

    [Fact]
    public async Task Process_ServesStale_WhenEveryUpstreamFails()
    {
        await using var failing = await FakeUpstream.StartAsync(b => b.WithRcode(Rcode.ServFail));
        int calls = 0;
        var stage = new UpstreamStage(Pool(failing), q =>
        {
            calls++;
            q.ResponseLength = 12;
            q.Origin = ResponseOrigin.Stale;
            return true;
        });
        QueryContext query = Context(TestQueries.Build("example.org", DnsType.A));

        StageResult result = await stage.ProcessAsync(query, TestContext.Current.CancellationToken);

        Assert.Equal(StageResult.Respond, result);
        Assert.Equal(1, calls);
        Assert.Equal(ResponseOrigin.Stale, query.Origin);
    }

    [Fact]
    public async Task Process_DoesNotAskForStale_WhenUpstreamAnswers()
    {
        await using var fake = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer));
        var stage = new UpstreamStage(Pool(fake), _ => throw new InvalidOperationException("not expected"));
        QueryContext query = Context(TestQueries.Build("example.org", DnsType.A));

        Assert.Equal(StageResult.Respond, await stage.ProcessAsync(query, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Process_ServFails_WhenClientReturnsReplyForAnotherQuestion()
    {
        var client = new CannedClient(TestQueries.Build("example.net", DnsType.A, flags: DnsHeader.QrFlag));
        var stage = new UpstreamStage(client);
        QueryContext query = Context(TestQueries.Build("example.org", DnsType.A, edns: true));

        await stage.ProcessAsync(query, TestContext.Current.CancellationToken);

        Assert.Equal(ResponseOrigin.Error, query.Origin);
        Assert.Equal((ushort)EdeCode.NoReachableAuthority, ExtendedError(query.ResponseSpan));
    }

    [Fact]
    public void WriteUpstreamQuery_BuildsHeaderQuestionAndOwnOpt()
    {
        QueryContext query = Context(TestQueries.Build("example.org", DnsType.AAAA, id: 99, flags: 0, edns: true, payload: 512, dnssecOk: true,
            options: TestQueries.Option(EdnsOptions.Padding, new byte[16])));
        var buffer = new byte[512];

        int length = UpstreamStage.WriteUpstreamQuery(query.RequestSpan, query.Query, buffer);

        byte[] expected = TestQueries.Build("example.org", DnsType.AAAA, id: 0, flags: DnsHeader.RdFlag, edns: true, payload: 1232, dnssecOk: true);
        Assert.Equal(expected, buffer[..length]);
    }

    [Fact]
    public async Task Process_PastTheInFlightCap_AnswersServFailAtOnce_AndForwardsAgainOnceUnderIt()
    {
        var client = new GatedClient(TestQueries.Build("example.org", DnsType.A, flags: DnsHeader.QrFlag));
        var stage = new UpstreamStage(client, maxQueriesInFlight: 2);
        CancellationToken token = TestContext.Current.CancellationToken;
        ValueTask<StageResult> first = stage.ProcessAsync(Context(TestQueries.Build("example.org", DnsType.A)), token);
        ValueTask<StageResult> second = stage.ProcessAsync(Context(TestQueries.Build("example.org", DnsType.A)), token);
        QueryContext third = Context(TestQueries.Build("example.org", DnsType.A, edns: true));

        ValueTask<StageResult> over = stage.ProcessAsync(third, token);

        Assert.False(first.IsCompleted || second.IsCompleted);
        Assert.True(over.IsCompletedSuccessfully, "a query past the cap must not wait");
        Assert.Equal(StageResult.Respond, await over);
        Assert.Equal(ReturnCode.ServerFailure, Decode(third.ResponseSpan).ReturnCode);
        Assert.Equal((ushort)EdeCode.Other, ExtendedError(third.ResponseSpan));
        Assert.Equal((2, 1L, 1), (stage.QueriesInFlight, stage.Overloaded, client.Calls)); // the two waiting share one upstream query

        client.Release();
        Assert.Equal((StageResult.Respond, StageResult.Respond), (await first, await second));
        Assert.Equal(0, stage.QueriesInFlight);
        QueryContext fourth = Context(TestQueries.Build("example.org", DnsType.A));
        Assert.Equal(StageResult.Respond, await stage.ProcessAsync(fourth, token));
        Assert.Equal((ResponseOrigin.Upstream, 2), (fourth.Origin, client.Calls));
    }

    [Fact]
    public async Task Process_PastTheInFlightCap_ServesStale_WhenTheCacheHasTheName()
    {
        var client = new GatedClient(TestQueries.Build("example.org", DnsType.A, flags: DnsHeader.QrFlag));
        var stage = new UpstreamStage(client, q =>
        {
            q.ResponseLength = 12;
            q.Origin = ResponseOrigin.Stale;
            return true;
        }, maxQueriesInFlight: 1);
        ValueTask<StageResult> waiting = stage.ProcessAsync(Context(TestQueries.Build("example.org", DnsType.A)), TestContext.Current.CancellationToken);
        QueryContext over = Context(TestQueries.Build("example.org", DnsType.A));

        Assert.Equal(StageResult.Respond, (await stage.ProcessAsync(over, TestContext.Current.CancellationToken)));

        Assert.Equal((ResponseOrigin.Stale, 1L), (over.Origin, stage.Overloaded));
        client.Release();
        await waiting;
    }

    [Fact]
    public async Task Process_OneClientPastItsShare_GetsServFailAtOnce_WhileOthersAndExemptClientsAreStillForwarded()
    {
        var client = new GatedClient(TestQueries.Build("example.org", DnsType.A, flags: DnsHeader.QrFlag));
        Assert.True(IpPrefix.TryParse("127.0.0.0/8", out IpPrefix loopback, out _));
        IpPrefix[] exempt = [loopback];
        var stage = new UpstreamStage(client, maxQueriesInFlight: 8, maxQueriesInFlightPerClient: 2, exemptClients: exempt);
        CancellationToken token = TestContext.Current.CancellationToken;
        var flooder = ClientAddress.From(IPAddress.Parse("192.168.1.66"));
        var sameDeviceV6 = ClientAddress.From(IPAddress.Parse("2001:db8:1:2::66"));
        var otherAddressSameDeviceV6 = ClientAddress.From(IPAddress.Parse("2001:db8:1:2::ff"));

        QueryContext Ask(string name, ClientAddress from)
        {
            QueryContext context = Context(TestQueries.Build(name, DnsType.A));
            context.Client = from;
            return context;
        }

        // The flooder's first two distinct misses wait; the third is answered at once.
        var waiting = new List<ValueTask<StageResult>>
        {
            stage.ProcessAsync(Ask("a.flood.example", flooder), token),
            stage.ProcessAsync(Ask("b.flood.example", flooder), token),
        };
        QueryContext third = Ask("c.flood.example", flooder);
        ValueTask<StageResult> over = stage.ProcessAsync(third, token);
        Assert.True(over.IsCompletedSuccessfully, "a query past the client's share must not wait");
        Assert.Equal(ReturnCode.ServerFailure, Decode(third.ResponseSpan).ReturnCode);

        // Another device, and the host itself (exempt) past two, are still forwarded.
        waiting.Add(stage.ProcessAsync(Ask("www.example.org", ClientAddress.From(IPAddress.Parse("192.168.1.20"))), token));
        for (int i = 0; i < 3; i++)
        {
            waiting.Add(stage.ProcessAsync(Ask($"local{i}.example.org", ClientAddress.From(IPAddress.Loopback)), token));
        }

        // An IPv6 device is its /64: a second address of it shares the first one's share.
        waiting.Add(stage.ProcessAsync(Ask("v6a.example.org", sameDeviceV6), token));
        waiting.Add(stage.ProcessAsync(Ask("v6b.example.org", otherAddressSameDeviceV6), token));
        QueryContext v6Over = Ask("v6c.example.org", sameDeviceV6);
        Assert.Equal(StageResult.Respond, await stage.ProcessAsync(v6Over, token));
        Assert.Equal(ReturnCode.ServerFailure, Decode(v6Over.ResponseSpan).ReturnCode);

        Assert.All(waiting, w => Assert.False(w.IsCompleted));
        Assert.Equal((8, 2L, 2), (stage.QueriesInFlight, stage.Overloaded, stage.MaxQueriesInFlightPerClient));

        // Once answered, the flooder has its share back.
        client.Release();
        foreach (ValueTask<StageResult> w in waiting)
        {
            Assert.Equal(StageResult.Respond, await w);
        }

        QueryContext again = Ask("example.org", flooder); // the name the gated upstream answers for
        Assert.Equal(StageResult.Respond, await stage.ProcessAsync(again, token));
        Assert.Equal((ResponseOrigin.Upstream, 2L), (again.Origin, stage.Overloaded));
    }

    /// <summary>An upstream client whose replies (the same bytes every time) wait until <see cref="Release"/>.</summary>
    private sealed class GatedClient(byte[] reply) : IUpstreamClient
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public void Release() => _gate.TrySetResult();

        public async ValueTask<UpstreamResult> QueryAsync(ReadOnlyMemory<byte> query, Memory<byte> response, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            await _gate.Task.WaitAsync(cancellationToken);
            reply.CopyTo(response);
            return new UpstreamResult(UpstreamStatus.Ok, reply.Length);
        }
    }

    /// <summary>An upstream client that answers every query with the same bytes.</summary>
    private sealed class CannedClient(byte[] reply) : IUpstreamClient
    {
        public ValueTask<UpstreamResult> QueryAsync(ReadOnlyMemory<byte> query, Memory<byte> response, CancellationToken cancellationToken)
        {
            reply.CopyTo(response);
            return new ValueTask<UpstreamResult>(new UpstreamResult(UpstreamStatus.Ok, reply.Length));
        }
    }
}
