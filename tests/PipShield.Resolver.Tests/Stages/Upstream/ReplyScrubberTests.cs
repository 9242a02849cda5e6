using ARSoft.Tools.Net.Dns;
using PipShield.Resolver.Tests.Fakes;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Upstream;
using PipShield.Resolver.Wire;
using static PipShield.Resolver.Tests.Stages.Upstream.UpstreamTestKit;

namespace PipShield.Resolver.Tests.Stages.Upstream;

/// <summary>Replies are built by the fake's own writer (with name compression) and decoded by ARSoft.Tools.Net.</summary>
public sealed class ReplyScrubberTests
{
    private const string Forged = "203.0.113.66";

    [Fact]
    public void Scrub_LeavesReplyByteForByte_WhenEveryRecordBelongs()
    {
        byte[] reply = Reply("www.example.org", DnsType.A, b => b
            .WithCname("www.example.org", "cdn.example.org")
            .WithAnswer("cdn.example.org. 60 IN A 192.0.2.5")
            .WithAuthority("example.org. 300 IN NS ns1.example.org.")
            .WithAdditional("ns1.example.org. 300 IN A 192.0.2.53")
            .WithAdditional("cdn.example.org. 60 IN AAAA 2001:db8::5"));

        var (removed, scrubbed) = Scrub(reply);

        Assert.Equal(0, removed);
        Assert.Equal(reply, scrubbed);
        Assert.Equal(0, ReplyScrubber.CountUnrelated(reply));
    }

    [Fact]
    public void Scrub_RemovesAddressOfAnotherName_FromAuthorityAndAdditional()
    {
        byte[] reply = Reply("a.example.org", DnsType.A, b => b
            .WithAnswer("a.example.org. 60 IN A 192.0.2.1")
            .WithAuthority($"bank.example. 86400 IN A {Forged}")
            .WithAdditional($"bank.example. 86400 IN A {Forged}"));

        var (removed, scrubbed) = Scrub(reply);

        Assert.Equal(2, removed);
        DnsMessage message = Decode(scrubbed);
        Assert.Equal("192.0.2.1", Assert.IsType<ARecord>(Assert.Single(message.AnswerRecords)).Address.ToString());
        Assert.Empty(message.AuthorityRecords);
        Assert.DoesNotContain(message.AdditionalRecords, r => r is not OptRecord);
        Assert.True(message.IsEDnsEnabled); // the OPT stays
        Assert.Equal(0x4242, message.TransactionID);
        Assert.Equal("a.example.org.", message.Questions[0].Name.ToString());
    }

    [Fact]
    public void Scrub_RemovesAnswerRecords_OffTheCnameChain()
    {
        byte[] reply = Reply("www.example.org", DnsType.A, b => b
            .WithCname("www.example.org", "cdn.example.net")
            .WithAnswer("cdn.example.net. 60 IN A 192.0.2.5")
            .WithExtraAnswer($"bank.example. 86400 IN A {Forged}")               // another name altogether
            .WithExtraAnswer($"www.example.org. 86400 IN A {Forged}")            // the question name, but it is an alias
            .WithExtraAnswer("cdn.example.net. 86400 IN CNAME bank.example.")    // a second link for a chain name
            .WithExtraAnswer("other.example.org. 86400 IN CNAME cdn.example.net."));

        var (removed, scrubbed) = Scrub(reply);

        Assert.Equal(4, removed);
        DnsMessage message = Decode(scrubbed);
        Assert.Equal(2, message.AnswerRecords.Count);
        CNameRecord cname = Assert.IsType<CNameRecord>(message.AnswerRecords[0]);
        Assert.Equal("www.example.org.", cname.Name.ToString());
        Assert.Equal("cdn.example.net.", cname.CanonicalName.ToString());
        ARecord address = Assert.IsType<ARecord>(message.AnswerRecords[1]);
        Assert.Equal("cdn.example.net.", address.Name.ToString());
        Assert.Equal("192.0.2.5", address.Address.ToString());
    }

    [Fact]
    public void Scrub_KeepsGlueWithinTheZone_AndDropsGlueOutsideIt()
    {
        byte[] reply = Reply("example.org", DnsType.MX, b => b
            .WithAnswer("example.org. 300 IN MX 10 mail.example.org.")
            .WithAuthority("example.org. 300 IN NS ns1.example.org.")
            .WithAuthority("example.org. 300 IN NS ns.bank.example.")
            .WithAdditional("mail.example.org. 300 IN A 192.0.2.25")
            .WithAdditional("ns1.example.org. 300 IN A 192.0.2.53")
            .WithAdditional($"ns.bank.example. 300 IN A {Forged}")          // named by an NS, but outside example.org
            .WithAdditional("unrelated.example.org. 300 IN A 192.0.2.99")); // inside, but nothing names it

        var (removed, scrubbed) = Scrub(reply);

        Assert.Equal(2, removed);
        DnsMessage message = Decode(scrubbed);
        Assert.Equal(2, message.AuthorityRecords.Count);
        Assert.Equal(["mail.example.org.", "ns1.example.org."],
            message.AdditionalRecords.OfType<ARecord>().Select(r => r.Name.ToString()).Order().ToArray());
    }

    [Fact]
    public void Scrub_KeepsSoaOfTheQueriedZone_AndDropsSoaOfAnotherZone()
    {
        byte[] reply = Reply("missing.example.org", DnsType.A, b => b
            .WithAnswer("www.example.org. 60 IN A 192.0.2.1")
            .WithAuthority("example.org. 300 IN SOA ns1.example.org. host.example.org. 1 7200 3600 1209600 300")
            .WithAuthority("bank.example. 300 IN SOA ns.bank.example. host.bank.example. 1 7200 3600 1209600 300"));

        var (removed, scrubbed) = Scrub(reply);

        Assert.Equal(1, removed);
        DnsMessage message = Decode(scrubbed);
        Assert.Equal(ReturnCode.NxDomain, message.ReturnCode);
        SoaRecord soa = Assert.IsType<SoaRecord>(Assert.Single(message.AuthorityRecords));
        Assert.Equal("example.org.", soa.Name.ToString());
        Assert.Equal("ns1.example.org.", soa.MasterName.ToString());
        Assert.Equal(300, soa.NegativeCachingTTL);
    }

    [Fact]
    public void Scrub_KeepsTheCname_WhenTheQuestionIsForTheCnameItself()
    {
        byte[] reply = Reply("www.example.org", DnsType.CNAME, b => b
            .WithCname("www.example.org", "cdn.example.net")
            .WithExtraAnswer($"cdn.example.net. 60 IN A {Forged}"));

        var (removed, scrubbed) = Scrub(reply);

        Assert.Equal(1, removed);
        Assert.IsType<CNameRecord>(Assert.Single(Decode(scrubbed).AnswerRecords));
    }

    [Fact]
    public void Scrub_EndsAtACnameLoop()
    {
        byte[] reply = Reply("a.example.org", DnsType.A, b => b
            .WithCname("a.example.org", "b.example.org")
            .WithExtraAnswer("b.example.org. 60 IN CNAME a.example.org."));

        var (removed, scrubbed) = Scrub(reply);

        Assert.Equal(1, removed); // the link that closes the loop
        Assert.Single(Decode(scrubbed).AnswerRecords);
    }

    [Fact]
    public void Scrub_IsStable_AScrubbedReplyHasNothingLeftToRemove()
    {
        byte[] reply = Reply("www.example.org", DnsType.A, b => b
            .WithCname("www.example.org", "cdn.example.org")
            .WithAnswer("cdn.example.org. 60 IN A 192.0.2.5")
            .WithExtraAnswer($"bank.example. 60 IN A {Forged}")
            .WithAuthority("example.org. 300 IN NS ns1.example.org.")
            .WithAuthority("bank.example. 300 IN NS ns1.example.org.")
            .WithAdditional("ns1.example.org. 300 IN A 192.0.2.53")
            .WithAdditional($"ns.bank.example. 300 IN A {Forged}"));
        int expected = ReplyScrubber.CountUnrelated(reply);

        var (removed, once) = Scrub(reply);
        var (again, twice) = Scrub(once);

        Assert.Equal(3, removed);
        Assert.Equal(expected, removed);
        Assert.Equal(0, again);
        Assert.Equal(once, twice);
        Assert.DoesNotContain(Forged, string.Join(' ', Decode(once).AnswerRecords.Concat(Decode(once).AdditionalRecords)));
    }

    [Fact]
    public void Scrub_RejectsAMalformedReply()
    {
        byte[] reply = Reply("a.example.org", DnsType.A, b => b.WithAnswer("a.example.org. 60 IN A 192.0.2.1"));

        var (removed, _) = Scrub(reply[..^3]);

        Assert.Equal(-1, removed);
    }

    [Fact]
    public void Scrub_AllocatesNothing()
    {
        byte[] reply = Reply("a.example.org", DnsType.A, b => b
            .WithAnswer("a.example.org. 60 IN A 192.0.2.1")
            .WithAdditional($"bank.example. 86400 IN A {Forged}"));
        var buffer = new byte[4096];
        int Once()
        {
            reply.CopyTo(buffer, 0);
            int length = reply.Length;
            return ReplyScrubber.Scrub(buffer, ref length);
        }

        Assert.Equal(1, Once()); // warms the shared array pool up
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            Once();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>The fake's reply to a query with ID 0x4242 and an OPT, from <paramref name="configure"/>'s records.</summary>
    private static byte[] Reply(string name, DnsType type, Action<FakeUpstreamBuilder> configure)
    {
        var builder = new FakeUpstreamBuilder();
        configure(builder);
        FakeQuery query = FakeWire.TryParseQuery(TestQueries.Build(name, type, id: 0x4242, edns: true))!;
        return FakeWire.BuildReply(query, builder.Build());
    }

    private static (int Removed, byte[] Scrubbed) Scrub(byte[] reply)
    {
        var buffer = new byte[4096];
        reply.CopyTo(buffer, 0);
        int length = reply.Length;
        int removed = ReplyScrubber.Scrub(buffer, ref length);
        return (removed, buffer[..length]);
    }
}
