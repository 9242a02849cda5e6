using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using ARSoft.Tools.Net.Dns;
using PipShield.Resolver.Tests.Fakes;
using PipShield.Resolver.Tests.Listeners;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Upstream;
using PipShield.Resolver.Wire;
using DnsMessage = ARSoft.Tools.Net.Dns.DnsMessage;

namespace PipShield.Resolver.Tests.Integration;

/// <summary>Forged and poisoned upstream replies, over real loopback sockets: nothing forged is ever served or cached.</summary>
public sealed class ForgedUpstreamTests
{
    /// <summary>The address every forgery carries (TEST-NET-3); it must never reach a client.</summary>
    private const string Forged = "203.0.113.66";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FloodOfForgedReplies_WhileAQueryIsPending_NeverPutsAForgedRecordInTheCache()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b
            .WithAnswer("www.example.org. 300 IN A 192.0.2.10")
            .WithAnswer("bank.example. 300 IN A 192.0.2.20")
            .WithDelay(TimeSpan.FromMilliseconds(800)));
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint, configure: o =>
        {
            o.Upstream.Timeout = TimeSpan.FromSeconds(2);
            o.Upstream.Deadline = TimeSpan.FromSeconds(4);
            o.Upstream.MaxAttempts = 3;
        });

        Task<byte[]?> pending = RawDns.TryQueryUdpAsync(resolver.EndPoint, TestQueries.Build("www.example.org", DnsType.A, edns: true), TimeSpan.FromSeconds(10));
        int sent = await FloodAsync(upstream, TimeSpan.FromSeconds(2), maxPackets: 20_000);
        byte[]? during = await pending;

        // While flooded the query may fail (each attempt is abandoned once forgeries pile up), but never with a forgery.
        DnsMessage duringReply = RawDns.Decode(during ?? throw new TimeoutException("no reply while flooded"));
        Assert.True(duringReply.ReturnCode is ReturnCode.NoError or ReturnCode.ServerFailure, duringReply.ReturnCode.ToString());
        Assert.DoesNotContain(Forged, Replies.Addresses(duringReply));
        Assert.True(sent > 2 * UpstreamExchange.MaxIgnoredReplies, $"sent {sent}");
        Assert.True(resolver.Pool!.Counters.IgnoredReplies > 0, "no forgery reached PipShield's sockets");

        // Afterwards: the genuine answer, then the same from the cache, and bank.example still goes upstream.
        DnsMessage after = await QueryAsync(resolver, "www.example.org");
        int queriesBefore = upstream.QueryCount;
        DnsMessage cached = await QueryAsync(resolver, "www.example.org");
        DnsMessage bank = await QueryAsync(resolver, "bank.example");

        Assert.Equal(["192.0.2.10"], Replies.Addresses(after));
        Assert.Equal(["192.0.2.10"], Replies.Addresses(cached));
        Assert.Equal(queriesBefore, upstream.QueryCount - 1); // only bank.example went upstream
        Assert.Equal(["192.0.2.20"], Replies.Addresses(bank));
        Assert.Contains(upstream.ReceivedQueries, q => FakeWire.TryParseQuery(q)!.QName == "bank.example");
    }

    [Fact]
    public async Task UnrelatedRecordsInAnAnswer_AreNeitherRelayedNorCached_AndTheirNameGoesUpstream()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b
            .WithAnswer("a.example.org. 300 IN A 192.0.2.1")
            .WithExtraAnswer($"bank.example. 86400 IN A {Forged}")
            .WithAuthority($"bank.example. 86400 IN A {Forged}")
            .WithAdditional($"bank.example. 86400 IN A {Forged}"));
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint);

        DnsMessage first = await QueryAsync(resolver, "a.example.org");
        DnsMessage second = await QueryAsync(resolver, "a.example.org");
        upstream.Reconfigure(b => b.WithAnswer("bank.example. 300 IN A 192.0.2.80"));
        DnsMessage bank = await QueryAsync(resolver, "bank.example");

        foreach (DnsMessage reply in new[] { first, second })
        {
            ARecord answer = Assert.IsType<ARecord>(Assert.Single(reply.AnswerRecords));
            Assert.Equal("a.example.org.", answer.Name.ToString());
            Assert.Equal("192.0.2.1", answer.Address.ToString());
            Assert.Empty(reply.AuthorityRecords);
            Assert.DoesNotContain(reply.AdditionalRecords, r => r is not OptRecord);
        }

        Assert.Equal(["192.0.2.80"], Replies.Addresses(bank));
        Assert.Equal(2, upstream.QueryCount); // a.example.org once (then cached), and bank.example
        Assert.Equal(3, resolver.Pool!.Counters.ScrubbedRecords);
    }

    [Fact]
    public async Task AnswerRecordsOffTheCnameChain_AreDropped_AndTheChainIsServed()
    {
        await using var upstream = await FakeUpstream.StartAsync(b => b
            .WithCname("www.example.org", "cdn.example.net")
            .WithAnswer("cdn.example.net. 300 IN A 192.0.2.5")
            .WithExtraAnswer($"login.bank.example. 86400 IN A {Forged}")
            .WithExtraAnswer("bank.example. 86400 IN CNAME cdn.example.net."));
        await using var resolver = await TestResolver.StartAsync(upstream.EndPoint);

        DnsMessage reply = await QueryAsync(resolver, "www.example.org");
        DnsMessage cached = await QueryAsync(resolver, "www.example.org");

        foreach (DnsMessage message in new[] { reply, cached })
        {
            Assert.Equal(["www.example.org.", "cdn.example.net."], message.AnswerRecords.Select(r => r.Name.ToString()).ToArray());
            Assert.Equal(["192.0.2.5"], Replies.Addresses(message));
        }

        Assert.Equal(1, upstream.QueryCount);
    }

    private static async Task<DnsMessage> QueryAsync(TestResolver resolver, string name) =>
        RawDns.Decode(await RawDns.QueryUdpAsync(resolver.EndPoint, TestQueries.Build(name, DnsType.A, edns: true)));

    /// <summary>
    /// Floods the source port of the fake's latest query with forged replies for <paramref name="duration"/> or
    /// <paramref name="maxPackets"/> datagrams: wrong IDs and the right ID with another question, both from the
    /// server's own address and port, and the right ID and question from another port. Each carries
    /// <see cref="Forged"/> for www.example.org and bank.example. Follows the resolver to each new attempt's port.
    /// </summary>
    /// <returns>Datagrams sent.</returns>
    private static async Task<int> FloodAsync(FakeUpstream upstream, TimeSpan duration, int maxPackets)
    {
        FakeUpstreamBuilder.FakeBehavior forger = new FakeUpstreamBuilder()
            .WithAnswer($"www.example.org. 86400 IN A {Forged}")
            .WithAnswer($"bank.example. 86400 IN A {Forged}")
            .WithAdditional($"bank.example. 86400 IN A {Forged}")
            .Build();
        var watch = Stopwatch.StartNew();
        byte[]? current = null;
        IPEndPoint target = upstream.EndPoint;
        byte[] wrongId = [], wrongQuestion = [], wrongSource = [];
        ushort realId = 0;
        int sent = 0;
        while (sent < maxPackets && watch.Elapsed < duration)
        {
            if (upstream.LastUdpQuery is not { } last)
            {
                await Task.Delay(1, Token);
                continue;
            }

            if (!ReferenceEquals(last.Query, current))
            {
                current = last.Query;
                target = last.Source;
                FakeQuery query = FakeWire.TryParseQuery(current)!;
                realId = query.Id;
                wrongId = FakeWire.BuildReply(query, forger);
                wrongQuestion = FakeWire.BuildReply(query, forger, questionName: "bank.example");
                wrongSource = FakeWire.BuildReply(query, forger);
            }

            // Every ID but the real one, in turn: a blind forger's guesses.
            BinaryPrimitives.WriteUInt16BigEndian(wrongId, (ushort)(realId + 1 + sent % 0xFFFF));
            await upstream.SendFromServerAsync(wrongId, target, Token);
            await upstream.SendFromServerAsync(wrongQuestion, target, Token);
            await upstream.SendFromOtherPortAsync(wrongSource, target, Token);
            sent += 3;
        }

        return sent;
    }
}
