using PipShield.Resolver.Listeners;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Wire;
using DnsMessage = ARSoft.Tools.Net.Dns.DnsMessage;

namespace PipShield.Resolver.Tests.Listeners;

public sealed class UdpTruncationTests
{
    private static QueryContext Answered(string name, int records, bool edns)
    {
        var query = new QueryContext();
        byte[] packet = TestQueries.Build(name, DnsType.A, id: 0x4242, edns: edns);
        packet.CopyTo(query.Request, 0);
        query.RequestLength = packet.Length;
        QueryParser.Parse(query.RequestSpan, out QueryInfo info);
        query.Query = info;
        ScriptedStage.Answer(query, records);
        return query;
    }

    [Fact]
    public void Apply_LeavesAResponseThatFits_Untouched()
    {
        QueryContext query = Answered("example.org", 10, edns: false);
        byte[] before = query.ResponseSpan.ToArray();

        int length = UdpTruncation.Apply(query.Response, query.ResponseLength, 512);

        Assert.Equal(before.Length, length);
        Assert.Equal(before, query.Response[..length]);
    }

    [Fact]
    public void Apply_KeepsHeaderQuestionAndOpt_WithTcSet()
    {
        QueryContext query = Answered("Mixed.Example.org", 200, edns: true);

        int length = UdpTruncation.Apply(query.Response, query.ResponseLength, 1232);
        DnsMessage message = DnsMessage.Parse(query.Response[..length]);

        Assert.True(message.IsTruncated);
        Assert.Equal(0x4242, message.TransactionID);
        Assert.Equal("Mixed.Example.org.", Assert.Single(message.Questions).Name.ToString());
        Assert.Empty(message.AnswerRecords);
        Assert.NotNull(message.EDnsOptions);
        Assert.Equal(1232, message.EDnsOptions!.UdpPayloadSize);
        Assert.Equal(DnsHeader.Size + 19 + 4 + 11 + 4 + 2 + "scripted".Length, length);
    }

    [Fact]
    public void Apply_WithoutOpt_KeepsHeaderAndQuestion()
    {
        QueryContext query = Answered("example.org", 40, edns: false);

        int length = UdpTruncation.Apply(query.Response, query.ResponseLength, 512);
        DnsMessage message = DnsMessage.Parse(query.Response[..length]);

        Assert.True(message.IsTruncated);
        Assert.Empty(message.AnswerRecords);
        Assert.Empty(message.AdditionalRecords);
        Assert.Equal(DnsHeader.Size + 13 + 4, length);
    }

    [Fact]
    public void Apply_ToAResponseWhoseQuestionDoesNotRead_KeepsTheHeaderOnly()
    {
        var message = new byte[600];
        message[5] = 1;        // QDCOUNT 1
        message[12] = 0xC0;    // a compression pointer cut short at the end of the buffer
        message[^1] = 0xC0;
        Array.Fill(message, (byte)63, 12, 588);

        int length = UdpTruncation.Apply(message, message.Length, 512);

        Assert.Equal(DnsHeader.Size, length);
        Assert.Equal(DnsHeader.TcFlag, DnsHeader.Flags(message) & DnsHeader.TcFlag);
        Assert.Equal(0, DnsHeader.QdCount(message));
    }
}
