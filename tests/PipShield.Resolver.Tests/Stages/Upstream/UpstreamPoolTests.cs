using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using ARSoft.Tools.Net.Dns;
using PipShield.Resolver.Tests.Fakes;
using PipShield.Resolver.Upstream;
using PipShield.Resolver.Wire;
using static PipShield.Resolver.Tests.Stages.Upstream.UpstreamTestKit;

namespace PipShield.Resolver.Tests.Stages.Upstream;

public sealed class UpstreamPoolTests
{
    private const string Answer = "example.org. 60 IN A 192.0.2.1";

    [Fact]
    public async Task Query_ReturnsValidatedReply_WithCallersId()
    {
        await using var fake = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer));
        var pool = Pool(fake);

        var (result, reply) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A, id: 0x1234));

        Assert.Equal(UpstreamStatus.Ok, result.Status);
        DnsMessage message = Decode(reply);
        Assert.Equal(0x1234, message.TransactionID);
        ARecord record = Assert.IsType<ARecord>(Assert.Single(message.AnswerRecords));
        Assert.Equal(IPAddress.Parse("192.0.2.1"), record.Address);
    }

    [Fact]
    public async Task Query_UsesFreshRandomId_ForEveryUpstreamQuery()
    {
        await using var fake = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer));
        var pool = Pool(fake);

        for (int i = 0; i < 4; i++)
        {
            var (result, _) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A, id: 0x1234));
            Assert.Equal(UpstreamStatus.Ok, result.Status);
        }

        // Four draws from the CSPRNG all equal to the caller's ID, or to each other, would be a 2^-48 event.
        ushort[] ids = [.. fake.ReceivedQueries.Select(q => BinaryPrimitives.ReadUInt16BigEndian(q))];
        Assert.Equal(4, ids.Length);
        Assert.True(ids.Distinct().Count() > 1);
        Assert.Contains(ids, id => id != 0x1234);
    }

    [Fact]
    public async Task Query_IgnoresWrongId_AndAcceptsTheRealReplyThatFollows()
    {
        await using var fake = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer).WithWrongId(thenAnswer: true).WithDelay(TimeSpan.FromMilliseconds(20)));
        await using var spare = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.99"));
        var pool = Pool(fake, spare);

        var (result, reply) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));

        Assert.Equal(UpstreamStatus.Ok, result.Status);
        Assert.Equal(IPAddress.Parse("192.0.2.1"), Assert.IsType<ARecord>(Assert.Single(Decode(reply).AnswerRecords)).Address);
        Assert.Equal(0, spare.QueryCount);
    }

    [Fact]
    public async Task Query_IgnoresWrongQuestion_AndAcceptsTheRealReplyThatFollows()
    {
        await using var fake = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer).WithWrongQuestion(thenAnswer: true).WithDelay(TimeSpan.FromMilliseconds(20)));
        await using var spare = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.99"));
        var pool = Pool(fake, spare);

        var (result, reply) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));

        Assert.Equal(UpstreamStatus.Ok, result.Status);
        Assert.Equal(IPAddress.Parse("192.0.2.1"), Assert.IsType<ARecord>(Assert.Single(Decode(reply).AnswerRecords)).Address);
        Assert.Equal(0, spare.QueryCount);
    }

    [Fact]
    public async Task Query_IgnoresReplyFromAnotherSourcePort()
    {
        await using var fake = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer).WithWrongSource(thenAnswer: false));
        var options = Options(fake);
        options.Timeout = TimeSpan.FromMilliseconds(200);
        var pool = new UpstreamPool(options);

        var (result, _) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));

        Assert.Equal(UpstreamStatus.Timeout, result.Status);
    }

    [Fact]
    public async Task Query_FailsOverToNextServer_WhenRepliesOnlyHaveTheWrongId()
    {
        await using var forger = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer).WithWrongId());
        await using var good = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.2"));
        var pool = Pool(forger, good);

        var (result, reply) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));

        Assert.Equal(UpstreamStatus.Ok, result.Status);
        Assert.Equal(IPAddress.Parse("192.0.2.2"), Assert.IsType<ARecord>(Assert.Single(Decode(reply).AnswerRecords)).Address);
        Assert.Equal(1, forger.QueryCount);
    }

    [Fact]
    public async Task Query_AcceptsFirstOfDuplicateReplies_AndNextQueryIsUnaffected()
    {
        await using var fake = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer).WithDuplicateReplies(3));
        var pool = Pool(fake);

        for (ushort id = 1; id <= 3; id++)
        {
            var (result, reply) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A, id));
            Assert.Equal(UpstreamStatus.Ok, result.Status);
            Assert.Equal(id, Decode(reply).TransactionID);
        }
    }

    [Fact]
    public async Task Query_FailsOver_WhenFirstServerIsSilent()
    {
        await using var silent = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer).WithNoReply());
        await using var good = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer));
        var pool = Pool(silent, good);

        var (result, _) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));

        Assert.Equal(UpstreamStatus.Ok, result.Status);
        Assert.Equal(1, silent.QueryCount);
        Assert.Equal(1, good.QueryCount);
        Assert.Equal(1, pool.Servers[0].ConsecutiveFailures);
    }

    [Theory]
    [InlineData(Rcode.ServFail)]
    [InlineData(Rcode.Refused)]
    [InlineData(Rcode.FormErr)]
    public async Task Query_FailsOver_OnErrorRcode(Rcode rcode)
    {
        await using var failing = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer).WithRcode(rcode));
        await using var good = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer));
        var pool = Pool(failing, good);

        var (result, reply) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));

        Assert.Equal(UpstreamStatus.Ok, result.Status);
        Assert.Equal(ReturnCode.NoError, Decode(reply).ReturnCode);
        Assert.Equal(1, good.QueryCount);
    }

    [Fact]
    public async Task Query_ReturnsNxDomain_AsAnAnswer()
    {
        await using var fake = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer));
        await using var spare = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer));
        var pool = Pool(fake, spare);

        var (result, reply) = await AskAsync(pool, UpstreamQuery("missing.example.org", DnsType.A));

        Assert.Equal(UpstreamStatus.Ok, result.Status);
        Assert.Equal(ReturnCode.NxDomain, Decode(reply).ReturnCode);
        Assert.Equal(0, spare.QueryCount);
    }

    [Fact]
    public async Task Query_ReturnsFailed_WhenEveryServerAnswersServFail()
    {
        await using var a = await FakeUpstream.StartAsync(b => b.WithRcode(Rcode.ServFail));
        await using var b = await FakeUpstream.StartAsync(b => b.WithRcode(Rcode.ServFail));
        var pool = Pool(a, b);

        var (result, _) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));

        Assert.Equal(UpstreamStatus.Failed, result.Status);
        Assert.Equal(0, pool.Servers[0].ConsecutiveFailures); // alive: SERVFAIL is not held against the server
    }

    [Fact]
    public async Task Query_TimesOutWithinDeadline_WhenEveryServerIsSilent()
    {
        await using var a = await FakeUpstream.StartAsync(b => b.WithNoReply());
        await using var b = await FakeUpstream.StartAsync(b => b.WithNoReply());
        var options = Options(a, b);
        options.Timeout = TimeSpan.FromMilliseconds(200);
        options.Deadline = TimeSpan.FromMilliseconds(500);
        options.MaxAttempts = 10;
        var pool = new UpstreamPool(options);

        // A name of this test's own: a query another test's pool still retries to a recycled port is not counted.
        string name = $"silent-{Guid.NewGuid():N}.example.org";
        var watch = Stopwatch.StartNew();
        var (result, _) = await AskAsync(pool, UpstreamQuery(name, DnsType.A));

        Assert.Equal(UpstreamStatus.Timeout, result.Status);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(450), $"gave up after {watch.Elapsed}, before the deadline");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"still waiting after {watch.Elapsed}, long past the 500 ms deadline");

        // 200 ms attempts in a 500 ms deadline: two full attempts and a third cut short, never the ten allowed.
        int attempts = a.ReceivedQueries.Concat(b.ReceivedQueries).Count(q => QuestionName(q) == name);
        Assert.InRange(attempts, 2, 4);
    }

    [Fact]
    public async Task Query_ReturnsNetworkError_QuicklyWhenThePortIsClosed()
    {
        var options = new UpstreamOptions { Servers = [ClosedPort()], Timeout = TimeSpan.FromSeconds(2), Deadline = TimeSpan.FromSeconds(5) };
        var pool = new UpstreamPool(options);

        var watch = Stopwatch.StartNew();
        var (result, _) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));

        // ICMP port unreachable reaches the connected socket: no need to wait for the timeout.
        Assert.Equal(UpstreamStatus.NetworkError, result.Status);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Query_RetriesOverTcp_WhenUdpReplyIsTruncated()
    {
        string[] records = [.. Enumerable.Range(1, 40).Select(i => $"example.org. 60 IN A 192.0.2.{i}")];
        await using var fake = await FakeUpstream.StartAsync(b =>
        {
            foreach (string record in records)
            {
                b.WithAnswer(record);
            }

            b.WithTruncation();
        });
        var pool = Pool(fake);

        var (result, reply) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A, id: 0x4242));

        Assert.Equal(UpstreamStatus.Ok, result.Status);
        DnsMessage message = Decode(reply);
        Assert.False(message.IsTruncated);
        Assert.Equal(0x4242, message.TransactionID);
        Assert.Equal(40, message.AnswerRecords.Count);
        Assert.Equal(1, fake.UdpQueryCount);
        Assert.Equal(1, fake.TcpQueryCount);
    }

    [Fact]
    public async Task Query_PrefersFasterServer_AfterAFewQueries()
    {
        await using var slow = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer).WithDelay(TimeSpan.FromMilliseconds(60)));
        await using var fast = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer));
        var pool = Pool(slow, fast);

        for (int i = 0; i < 12; i++)
        {
            var (result, _) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));
            Assert.Equal(UpstreamStatus.Ok, result.Status);
        }

        // Each server is tried once while it has no RTT sample; after that the faster one takes every query.
        Assert.Equal(1, slow.QueryCount);
        Assert.Equal(11, fast.QueryCount);
        Assert.True(pool.Servers[1].Srtt < pool.Servers[0].Srtt);
    }

    [Fact]
    public async Task Query_StillTriesSlowerServer_Occasionally()
    {
        await using var slow = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer).WithDelay(TimeSpan.FromMilliseconds(20)));
        await using var fast = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer));
        var pool = Pool(slow, fast);

        for (int i = 0; i < 40; i++)
        {
            await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));
        }

        // One query in sixteen explores, so the slower server's SRTT stays current.
        Assert.InRange(slow.QueryCount, 2, 5);
    }

    [Fact]
    public async Task Query_SkipsServerMarkedDown_UntilItsRecoveryInterval()
    {
        await using var dead = await FakeUpstream.StartAsync(b => b.WithNoReply());
        await using var good = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer));
        var options = Options(dead, good);
        options.FailureThreshold = 1;
        var pool = new UpstreamPool(options);

        await AskAsync(pool, UpstreamQuery("example.org", DnsType.A)); // dead times out, is marked down
        Assert.True(pool.Servers[0].IsDown);

        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 20; i++)
        {
            var (result, _) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));
            Assert.Equal(UpstreamStatus.Ok, result.Status);
        }

        Assert.Equal(1, dead.QueryCount);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Query_ProbesRecoveredServer_WithTheFirstQueryAfterItsRecoveryInterval()
    {
        await using var flaky = await FakeUpstream.StartAsync(b => b.WithNoReply());
        await using var good = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer).WithDelay(TimeSpan.FromMilliseconds(5)));
        var options = Options(flaky, good);
        options.FailureThreshold = 1;
        options.RecoveryInterval = TimeSpan.FromSeconds(1.5); // long enough that a busy machine still sees it down
        var pool = new UpstreamPool(options);
        await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));
        Assert.True(pool.Servers[0].IsDown);
        for (int i = 0; i < 3; i++)
        {
            await AskAsync(pool, UpstreamQuery("example.org", DnsType.A)); // still down: skipped
        }

        Assert.Equal(1, flaky.QueryCount);
        flaky.Reconfigure(b => b.WithAnswer(Answer));
        await Task.Delay(1700, TestContext.Current.CancellationToken);
        var (result, _) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));

        // The first query after the interval probed it, it answered, and it is back in rotation.
        Assert.Equal(UpstreamStatus.Ok, result.Status);
        Assert.Equal(2, flaky.QueryCount);
        Assert.False(pool.Servers[0].IsDown);
        Assert.Equal(0, pool.Servers[0].ConsecutiveFailures);
    }

    [Theory]
    [InlineData(FakeTcpFailure.Reset)]
    [InlineData(FakeTcpFailure.Close)]
    [InlineData(FakeTcpFailure.Silent)]
    public async Task Query_FailsOver_WhenTruncatedReplyIsFollowedByTcpFailure(FakeTcpFailure failure)
    {
        await using var broken = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer).WithTruncation().WithTcpFailure(failure));
        await using var good = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.2"));
        var pool = Pool(broken, good);

        var (result, reply) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));

        Assert.Equal(UpstreamStatus.Ok, result.Status);
        Assert.Equal(IPAddress.Parse("192.0.2.2"), Assert.IsType<ARecord>(Assert.Single(Decode(reply).AnswerRecords)).Address);
        Assert.Equal(1, broken.TcpQueryCount);
        Assert.Equal(1, pool.Servers[0].ConsecutiveFailures);
    }

    [Fact]
    public async Task Query_FailsOver_WhenTcpIsRefusedAfterTruncation()
    {
        await using var broken = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer).WithTruncation());
        await using var good = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.2"));
        broken.StopTcp();
        var pool = Pool(broken, good);

        var (result, reply) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));

        Assert.Equal(UpstreamStatus.Ok, result.Status);
        Assert.Equal(IPAddress.Parse("192.0.2.2"), Assert.IsType<ARecord>(Assert.Single(Decode(reply).AnswerRecords)).Address);
        Assert.Equal(1, broken.UdpQueryCount);
        Assert.Equal(1, pool.Servers[0].ConsecutiveFailures);
    }

    [Fact]
    public async Task Query_AbandonsAttemptFloodedWithForgeries_WithoutHoldingItAgainstTheServer()
    {
        await using var flooded = await FakeUpstream.StartAsync(b => b.WithAnswer(Answer).WithDelay(TimeSpan.FromSeconds(2)));
        await using var good = await FakeUpstream.StartAsync(b => b.WithAnswer("example.org. 60 IN A 192.0.2.2"));
        var pool = Pool(flooded, good);

        Task<(UpstreamResult Result, byte[] Reply)> asking = AskAsync(pool, UpstreamQuery("example.org", DnsType.A));
        var (source, query) = await WaitForUdpQueryAsync(flooded);
        FakeQuery parsed = FakeWire.TryParseQuery(query)!;
        var forger = new FakeUpstreamBuilder().WithAnswer("example.org. 86400 IN A 203.0.113.66").Build();
        for (int i = 1; i <= 2 * UpstreamExchange.MaxIgnoredReplies && !asking.IsCompleted; i++)
        {
            byte[] forged = FakeWire.BuildReply(parsed, forger, id: (ushort)(parsed.Id + i)); // a guess at the ID
            await flooded.SendFromServerAsync(forged, source, TestContext.Current.CancellationToken);
        }

        var (result, reply) = await asking;

        Assert.Equal(UpstreamStatus.Ok, result.Status);
        Assert.Equal(IPAddress.Parse("192.0.2.2"), Assert.IsType<ARecord>(Assert.Single(Decode(reply).AnswerRecords)).Address);
        Assert.Equal(1, pool.Counters.SpoofedAttempts);
        Assert.Equal(UpstreamExchange.MaxIgnoredReplies, pool.Counters.IgnoredReplies);
        Assert.Equal(0, pool.Servers[0].ConsecutiveFailures); // the forger's doing, not the server's
    }

    [Fact]
    public async Task Query_ScrubsRecordsThatDoNotAnswerTheQuestion()
    {
        await using var fake = await FakeUpstream.StartAsync(b => b
            .WithAnswer(Answer)
            .WithExtraAnswer("bank.example. 86400 IN A 203.0.113.66")
            .WithAdditional("bank.example. 86400 IN A 203.0.113.66"));
        var pool = Pool(fake);

        var (result, reply) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A, id: 0x2121));

        Assert.Equal(UpstreamStatus.Ok, result.Status);
        DnsMessage message = Decode(reply);
        Assert.Equal(0x2121, message.TransactionID);
        Assert.Equal(IPAddress.Parse("192.0.2.1"), Assert.IsType<ARecord>(Assert.Single(message.AnswerRecords)).Address);
        Assert.IsType<OptRecord>(Assert.Single(message.AdditionalRecords));
        Assert.Equal(2, pool.Counters.ScrubbedRecords);
    }

    /// <summary>Waits (at most five seconds) for the first UDP query to reach <paramref name="fake"/>.</summary>
    internal static async Task<(IPEndPoint Source, byte[] Query)> WaitForUdpQueryAsync(FakeUpstream fake)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            if (fake.LastUdpQuery is { } last)
            {
                return last;
            }

            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException("the fake upstream saw no query");
    }

    [Fact]
    public async Task Query_RecoversAfterTotalOutage()
    {
        await using var only = await FakeUpstream.StartAsync(b => b.WithNoReply());
        var options = Options(only);
        options.FailureThreshold = 2;
        options.MaxAttempts = 2;
        options.Timeout = TimeSpan.FromMilliseconds(400);
        var pool = new UpstreamPool(options);

        var (first, _) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));
        Assert.Equal(UpstreamStatus.Timeout, first.Status);
        Assert.True(pool.Servers[0].IsDown);

        // A server that is down is still tried when there is nothing else.
        only.Reconfigure(b => b.WithAnswer(Answer));
        var (second, _) = await AskAsync(pool, UpstreamQuery("example.org", DnsType.A));

        Assert.Equal(UpstreamStatus.Ok, second.Status);
        Assert.False(pool.Servers[0].IsDown);
    }

    [Fact]
    public async Task Query_Throws_OnlyWhenCallerCancels()
    {
        await using var silent = await FakeUpstream.StartAsync(b => b.WithNoReply());
        var pool = Pool(silent);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await pool.QueryAsync(UpstreamQuery("example.org", DnsType.A), new byte[512], cancellation.Token));
    }

    /// <summary>The question name of a datagram a fake received, or null when it is not a DNS query.</summary>
    private static string? QuestionName(byte[] datagram)
    {
        try
        {
            return Decode(datagram).Questions.FirstOrDefault()?.Name.ToString().TrimEnd('.');
        }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or FormatException)
        {
            return null;
        }
    }
}
