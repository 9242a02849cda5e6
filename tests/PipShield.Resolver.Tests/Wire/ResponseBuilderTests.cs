using ARSoft.Tools.Net.Dns;
using PipShield.Resolver.Wire;
using DnsMessage = ARSoft.Tools.Net.Dns.DnsMessage;

namespace PipShield.Resolver.Tests.Wire;

/// <summary>Responses are decoded by ARSoft.Tools.Net, an independent codec.</summary>
public sealed class ResponseBuilderTests
{
    private static readonly byte[] SinkholeV4 = [192, 0, 2, 53];
    private static readonly byte[] SinkholeV6 = System.Net.IPAddress.Parse("2001:db8::53").GetAddressBytes();

    private static DnsMessage Blocked(byte[] query, BlockAnswerKind kind, int ruleOffset = 0, string text = "phishing: test-feed")
    {
        QueryParser.Parse(query, out QueryInfo info);
        var buffer = new byte[1232];
        var answer = new BlockAnswer
        {
            Kind = kind,
            Ttl = 60,
            SinkholeV4 = SinkholeV4,
            SinkholeV6 = SinkholeV6,
            RuleNameOffset = ruleOffset,
            Ede = EdeCode.Blocked,
            ExtraText = System.Text.Encoding.UTF8.GetBytes(text),
        };
        int length = ResponseBuilder.WriteBlocked(query, info, answer, buffer);
        Assert.True(length > 0);
        return DnsMessage.Parse(new ArraySegment<byte>(buffer, 0, length));
    }

    private static (ushort Code, string Text) Ede(DnsMessage message)
    {
        var option = Assert.Single(message.EDnsOptions!.Options.OfType<UnknownOption>(), o => (ushort)o.Type == EdnsOptions.ExtendedError);
        byte[] data = option.Data ?? [];
        return ((ushort)(data[0] << 8 | data[1]), System.Text.Encoding.UTF8.GetString(data, 2, data.Length - 2));
    }

    [Fact]
    public void Sinkhole_ForAQuery_AnswersTheWarningAddress_WithEde()
    {
        DnsMessage response = Blocked(TestQueries.Build("Login.Phish.example.net", DnsType.A, id: 77, edns: true), BlockAnswerKind.Sinkhole);

        Assert.Equal(77, response.TransactionID);
        Assert.True(!response.IsQuery && response.IsRecursionAllowed && response.IsRecursionDesired);
        Assert.Equal(ReturnCode.NoError, response.ReturnCode);
        var a = Assert.IsType<ARecord>(Assert.Single(response.AnswerRecords));
        Assert.Equal("192.0.2.53", a.Address.ToString());
        Assert.Equal(60, a.TimeToLive);
        Assert.Equal("login.phish.example.net.", a.Name!.ToString().ToLowerInvariant());
        Assert.Equal(((ushort)15, "phishing: test-feed"), Ede(response));
    }

    [Fact]
    public void Sinkhole_ForAaaa_AnswersTheV6Address_AndForOtherTypesNoDataWithSoa()
    {
        DnsMessage aaaa = Blocked(TestQueries.Build("phish.example.net", DnsType.AAAA, edns: true), BlockAnswerKind.Sinkhole);
        DnsMessage mx = Blocked(TestQueries.Build("phish.example.net", DnsType.MX, edns: true), BlockAnswerKind.Sinkhole);

        Assert.Equal("2001:db8::53", Assert.IsType<AaaaRecord>(Assert.Single(aaaa.AnswerRecords)).Address.ToString());
        Assert.Empty(mx.AnswerRecords);
        Assert.Equal(ReturnCode.NoError, mx.ReturnCode);
        Assert.IsType<SoaRecord>(Assert.Single(mx.AuthorityRecords));
    }

    [Fact]
    public void NxDomain_CarriesAnSoaOwnedByTheListedName()
    {
        byte[] query = TestQueries.Build("www.bad.example.com", DnsType.A, edns: true);

        DnsMessage response = Blocked(query, BlockAnswerKind.NxDomain, ruleOffset: 4);

        Assert.Equal(ReturnCode.NxDomain, response.ReturnCode);
        Assert.Empty(response.AnswerRecords);
        var soa = Assert.IsType<SoaRecord>(Assert.Single(response.AuthorityRecords));
        Assert.Equal("bad.example.com.", soa.Name.ToString());
        Assert.Equal(60, soa.TimeToLive);
        Assert.Equal(60, soa.NegativeCachingTTL);
    }

    [Fact]
    public void Refused_HasNoSoa()
    {
        DnsMessage response = Blocked(TestQueries.Build("bad.example.com", DnsType.A, edns: true), BlockAnswerKind.Refused);

        Assert.Equal(ReturnCode.Refused, response.ReturnCode);
        Assert.Empty(response.AuthorityRecords);
    }

    [Fact]
    public void BlockedReply_WithoutEdnsFromTheClient_HasNoOpt()
    {
        DnsMessage response = Blocked(TestQueries.Build("bad.example.com", DnsType.A), BlockAnswerKind.NxDomain);

        Assert.False(response.IsEDnsEnabled);
    }

    [Fact]
    public void BadVers_CarriesExtendedRcodeInAVersionZeroOpt()
    {
        byte[] query = TestQueries.Build("example.org", DnsType.A, edns: true, version: 3);
        Assert.Equal(QueryParseStatus.BadVers, QueryParser.Parse(query, out QueryInfo info));
        var buffer = new byte[512];

        int length = ResponseBuilder.WriteError(query, info, Rcode.BadVers, buffer);
        DnsMessage response = DnsMessage.Parse(new ArraySegment<byte>(buffer, 0, length));

        Assert.Equal(ReturnCode.BadVersion, response.ReturnCode);
        Assert.Equal(0, response.EDnsOptions!.Version);
    }

    [Fact]
    public void FormErr_WithoutAReadableQuestion_IsTheHeaderOnly()
    {
        byte[] query = Convert.FromHexString("ABCD010000010000000000000361");
        QueryParser.Parse(query, out QueryInfo info);
        var buffer = new byte[512];

        int length = ResponseBuilder.WriteError(query, info, Rcode.FormErr, buffer);

        Assert.Equal(12, length);
        Assert.Equal("ABCD8181000000000000000", Convert.ToHexString(buffer, 0, 12)[..23]);
    }

    [Fact]
    public void Writer_ReturnsZero_WhenTheBufferIsTooSmall()
    {
        byte[] query = TestQueries.Build("bad.example.com", DnsType.A, edns: true);
        QueryParser.Parse(query, out QueryInfo info);

        int length = ResponseBuilder.WriteError(query, info, Rcode.ServFail, new byte[20]);

        Assert.Equal(0, length);
    }
}
