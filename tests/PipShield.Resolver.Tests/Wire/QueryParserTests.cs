using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Tests.Wire;

public sealed class QueryParserTests
{
    [Fact]
    public void Parse_ReadsHeaderQuestionAndEdns()
    {
        byte[] query = TestQueries.Build("WWW.Example.org", DnsType.AAAA, id: 0xBEEF, edns: true, payload: 4096, dnssecOk: true);

        QueryParseStatus status = QueryParser.Parse(query, out QueryInfo info);

        Assert.Equal(QueryParseStatus.Ok, status);
        Assert.Equal(0xBEEF, info.Id);
        Assert.Equal((ushort)DnsType.AAAA, info.QType);
        Assert.Equal(1, info.QClass);
        Assert.Equal(17, info.QNameLength);
        Assert.True(info.RecursionDesired);
        Assert.True(info.HasEdns);
        Assert.True(info.DnssecOk);
        Assert.Equal(4096, info.UdpPayloadSize);
        Assert.Equal("03575757074578616d706c65036f726700", Convert.ToHexString(info.QName(query)).ToLowerInvariant()); // case kept as sent
    }

    [Fact]
    public void Parse_WithoutEdns_LimitsUdpTo512()
    {
        QueryParser.Parse(TestQueries.Build("example.org", DnsType.A), out QueryInfo info);

        Assert.False(info.HasEdns);
        Assert.Equal(512, info.UdpPayloadSize);
    }

    [Fact]
    public void Parse_TreatsPayloadSizeBelow512_As512()
    {
        QueryParser.Parse(TestQueries.Build("example.org", DnsType.A, edns: true, payload: 0), out QueryInfo info);

        Assert.Equal(512, info.UdpPayloadSize);
    }

    [Fact]
    public void Parse_DropsEveryPacketShorterThanAHeader()
    {
        byte[] query = TestQueries.Build("example.org", DnsType.A);
        for (int length = 0; length < 12; length++)
        {
            Assert.Equal(QueryParseStatus.Drop, QueryParser.Parse(query.AsSpan(0, length), out _));
        }
    }

    [Fact]
    public void Parse_DropsResponses()
    {
        byte[] query = TestQueries.Build("example.org", DnsType.A, flags: DnsHeader.QrFlag | DnsHeader.RdFlag);

        Assert.Equal(QueryParseStatus.Drop, QueryParser.Parse(query, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(65535)]
    public void Parse_RefusesQuestionCountsOtherThanOne(int count)
    {
        byte[] query = TestQueries.WithCounts(TestQueries.Build("example.org", DnsType.A), (ushort)count, 0, 0, 0);

        Assert.Equal(QueryParseStatus.FormErr, QueryParser.Parse(query, out _));
    }

    [Fact]
    public void Parse_AnswersNotImp_ForOpcodesOtherThanQuery()
    {
        byte[] query = TestQueries.Build("example.org", DnsType.A, flags: 2 << 11);

        Assert.Equal(QueryParseStatus.NotImp, QueryParser.Parse(query, out QueryInfo info));
        Assert.True(info.HasQuestion);
    }

    [Fact]
    public void Parse_AnswersBadVers_ForEdnsVersionAboveZero()
    {
        byte[] query = TestQueries.Build("example.org", DnsType.A, edns: true, version: 1);

        Assert.Equal(QueryParseStatus.BadVers, QueryParser.Parse(query, out _));
    }

    [Fact]
    public void Parse_AnswersBadVers_WhateverTheOptionsOfAnotherVersionHold()
    {
        byte[] query = TestQueries.Build("example.org", DnsType.A, edns: true, version: 1, options: TestQueries.Option(EdnsOptions.Cookie, [1]));

        Assert.Equal(QueryParseStatus.BadVers, QueryParser.Parse(query, out QueryInfo info));
        Assert.True(info.HasEdns);
    }

    [Fact]
    public void Parse_KeepsEdns_WhenTheOptIsMalformed_SoTheFormErrCarriesAnOpt()
    {
        byte[] badCookie = TestQueries.Build("example.org", DnsType.A, edns: true, options: TestQueries.Option(EdnsOptions.Cookie, [1]));
        byte[] inAnswer = [.. TestQueries.WithCounts(TestQueries.Build("example.org", DnsType.A), 1, 1, 0, 0), .. TestQueries.Opt()];

        Assert.Equal(QueryParseStatus.FormErr, QueryParser.Parse(badCookie, out QueryInfo cookieInfo));
        Assert.Equal(QueryParseStatus.FormErr, QueryParser.Parse(inAnswer, out QueryInfo answerInfo));
        Assert.True(cookieInfo.HasEdns);
        Assert.True(answerInfo.HasEdns);
    }

    [Theory]
    [InlineData("c01d")]                               // an owner pointing at itself
    [InlineData("c02a")]                               // pointing forward
    [InlineData("c002")]                               // pointing into the header
    [InlineData("3f")]                                 // a label running past the end
    public void Parse_RefusesBadOwnerNamesInRecords(string ownerHex)
    {
        byte[] query = TestQueries.WithCounts(TestQueries.Build("example.org", DnsType.A), 1, 0, 0, 1); // 29 bytes: 0x1d
        byte[] record = [.. Convert.FromHexString(ownerHex), 0, 16, 0, 1, 0, 0, 0, 0, 0, 0];

        Assert.Equal(QueryParseStatus.FormErr, QueryParser.Parse([.. query, .. record], out _));
    }

    [Fact]
    public void Parse_AcceptsAnOwnerPointingBackAtTheQuestion()
    {
        byte[] query = TestQueries.WithCounts(TestQueries.Build("example.org", DnsType.A), 1, 0, 0, 1);

        Assert.Equal(QueryParseStatus.Ok, QueryParser.Parse([.. query, 0xC0, 0x0C, 0, 16, 0, 1, 0, 0, 0, 0, 0, 0], out _));
    }

    [Fact]
    public void Parse_RefusesTwoOptRecords_AndOptWithAnOwnerName()
    {
        byte[] twoOpts = [.. TestQueries.WithCounts(TestQueries.Build("example.org", DnsType.A, edns: true), 1, 0, 0, 2), .. TestQueries.Opt()];
        byte[] owned = [.. TestQueries.WithCounts(TestQueries.Build("example.org", DnsType.A), 1, 0, 0, 1), .. TestQueries.Opt(owner: 1)];
        byte[] inAnswer = [.. TestQueries.WithCounts(TestQueries.Build("example.org", DnsType.A), 1, 1, 0, 0), .. TestQueries.Opt()];

        Assert.Equal(QueryParseStatus.FormErr, QueryParser.Parse(twoOpts, out _));
        Assert.Equal(QueryParseStatus.FormErr, QueryParser.Parse(owned, out _));
        Assert.Equal(QueryParseStatus.FormErr, QueryParser.Parse(inAnswer, out _));
    }

    [Theory]
    [InlineData("0001", false)]                       // cookie of 2 bytes
    [InlineData("0102030405060708", true)]            // client cookie
    public void Parse_ChecksCookieLength(string cookieHex, bool valid)
    {
        byte[] options = TestQueries.Option(EdnsOptions.Cookie, Convert.FromHexString(cookieHex));
        byte[] query = TestQueries.Build("example.org", DnsType.A, edns: true, options: options);

        Assert.Equal(valid ? QueryParseStatus.Ok : QueryParseStatus.FormErr, QueryParser.Parse(query, out _));
    }

    [Fact]
    public void Parse_RefusesMalformedClientSubnet_AndIgnoresUnknownOptions()
    {
        byte[] badSubnet = TestQueries.Option(EdnsOptions.ClientSubnet, [0, 1, 40, 0, 192, 0, 2, 0, 0]);
        byte[] unknown = [.. TestQueries.Option(65001, [1, 2, 3]), .. TestQueries.Option(EdnsOptions.ClientSubnet, [0, 1, 24, 0, 192, 0, 2])];

        Assert.Equal(QueryParseStatus.FormErr, QueryParser.Parse(TestQueries.Build("example.org", DnsType.A, edns: true, options: badSubnet), out _));
        Assert.Equal(QueryParseStatus.Ok, QueryParser.Parse(TestQueries.Build("example.org", DnsType.A, edns: true, options: unknown), out _));
    }

    [Theory]
    [InlineData("c00c")]                               // pointer in the question name
    [InlineData("406100")]                             // reserved label type
    [InlineData("4061616100")]                         // 64-octet label length
    [InlineData("0361626300")]                         // name then no type/class
    [InlineData("03616263")]                           // unterminated name
    public void Parse_RefusesMalformedQuestions(string questionHex)
    {
        byte[] header = Convert.FromHexString("123401000001000000000000");
        byte[] query = [.. header, .. Convert.FromHexString(questionHex)];

        Assert.Equal(QueryParseStatus.FormErr, QueryParser.Parse(query, out _));
    }

    [Fact]
    public void Parse_RefusesNamesOver255Octets()
    {
        string name = string.Join('.', Enumerable.Repeat(new string('a', 63), 4)); // 4 × 64 + 1 = 257 octets
        byte[] header = Convert.FromHexString("123401000001000000000000");
        var question = new List<byte>();
        foreach (string label in name.Split('.'))
        {
            question.Add((byte)label.Length);
            question.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }

        question.AddRange([0, 0, 1, 0, 1]);

        Assert.Equal(QueryParseStatus.FormErr, QueryParser.Parse([.. header, .. question], out _));
    }

    [Fact]
    public void Parse_RefusesTrailingJunk_AndCountsThatLie()
    {
        byte[] query = TestQueries.Build("example.org", DnsType.A);

        Assert.Equal(QueryParseStatus.FormErr, QueryParser.Parse([.. query, 0xFF], out _));
        Assert.Equal(QueryParseStatus.FormErr, QueryParser.Parse(TestQueries.WithCounts(query, 1, 0, 0, 3), out _));
    }

    [Fact]
    public void Parse_NeverThrows_OnRandomBytes()
    {
        var random = new Random(42);
        byte[] valid = TestQueries.Build("www.example.org", DnsType.A, edns: true, options: TestQueries.Option(EdnsOptions.Cookie, new byte[8]));
        for (int i = 0; i < 50_000; i++)
        {
            byte[] packet;
            if (i % 2 == 0)
            {
                packet = new byte[random.Next(0, 600)];
                random.NextBytes(packet);
            }
            else
            {
                packet = (byte[])valid.Clone();
                for (int k = random.Next(1, 4); k > 0; k--)
                {
                    packet[random.Next(packet.Length)] = (byte)random.Next(256);
                }

                packet = packet[..random.Next(packet.Length + 1)];
            }

            _ = QueryParser.Parse(packet, out _);
        }
    }
}
