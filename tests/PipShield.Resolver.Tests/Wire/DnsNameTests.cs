using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Tests.Wire;

public sealed class DnsNameTests
{
    // Header, question "www.example.org A IN", then an answer owned by a pointer to the question and a
    // CNAME whose target is "cdn" + pointer to "example.org" inside the question.
    private static readonly byte[] Message = Convert.FromHexString(
        "12348180000100010000000003777777076578616d706c65036f72670000010001" +
        "c00c000500010000003c00060363646ec010");

    [Fact]
    public void Decompress_FollowsPointers()
    {
        var reader = new DnsRecordReader(Message);
        Assert.True(reader.TryReadNext(out DnsRecordInfo cname));
        var name = new byte[255];

        Assert.True(DnsName.TryDecompress(Message, cname.RDataOffset, name, out int length));
        Assert.Equal("0363646e076578616d706c65036f726700", Convert.ToHexString(name, 0, length).ToLowerInvariant());
        Assert.True(DnsName.TryDecompress(Message, cname.NameOffset, name, out length));
        Assert.Equal(17, length);
    }

    [Fact]
    public void Reader_ReportsSectionTypeTtlAndRdata()
    {
        var reader = new DnsRecordReader(Message);

        Assert.True(reader.TryReadNext(out DnsRecordInfo record));
        Assert.Equal((DnsSection.Answer, (ushort)DnsType.CNAME, 60u, 6), (record.Section, record.Type, record.Ttl, record.RDataLength));
        Assert.False(reader.TryReadNext(out _));
        Assert.False(reader.IsMalformed);
    }

    [Theory]
    [InlineData("c00c", 12)]          // points at itself
    [InlineData("c00e", 12)]          // points forward
    [InlineData("c0", 12)]            // pointer cut short
    [InlineData("0361", 12)]          // label runs past the end
    [InlineData("8161", 12)]          // reserved label type
    [InlineData("c000", 12)]          // points into the header
    [InlineData("c00b", 12)]          // points at the header's last byte
    public void Decompress_RefusesLoopsForwardPointersAndTruncation(string hex, int offset)
    {
        byte[] message = [.. new byte[offset], .. Convert.FromHexString(hex)];

        Assert.False(DnsName.TryDecompress(message, offset, new byte[255], out _));
    }

    [Fact]
    public void Decompress_StopsLongPointerChains()
    {
        // A header, the root name, then 200 pointers, each to the one before it: more hops than allowed.
        var message = new List<byte>(new byte[DnsHeader.Size]) { 0 };
        for (int i = 0; i < 200; i++)
        {
            int target = DnsHeader.Size + (i == 0 ? 0 : 1 + (i - 1) * 2);
            message.AddRange([(byte)(0xC0 | target >> 8), (byte)target]);
        }

        Assert.False(DnsName.TryDecompress([.. message], message.Count - 2, new byte[255], out _));
        Assert.True(DnsName.TryDecompress([.. message], DnsHeader.Size + 1 + 50 * 2, new byte[255], out int length));
        Assert.Equal(1, length);
    }

    [Fact]
    public void Reader_FlagsRecordsThatRunPastTheEnd()
    {
        var reader = new DnsRecordReader(Message.AsSpan(0, Message.Length - 3));

        Assert.False(reader.TryReadNext(out _));
        Assert.True(reader.IsMalformed);
    }

    [Fact]
    public void EqualsIgnoreCase_FoldsAsciiLettersOnly()
    {
        Assert.True(DnsName.EqualsIgnoreCase("\u0003WwW\u0000"u8, "\u0003www\u0000"u8));
        Assert.False(DnsName.EqualsIgnoreCase("\u0003w[w\u0000"u8, "\u0003w{w\u0000"u8));
    }
}
