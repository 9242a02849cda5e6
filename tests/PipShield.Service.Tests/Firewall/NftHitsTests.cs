using System.Net;
using PipShield.Service.Firewall;

namespace PipShield.Service.Tests.Firewall;

public sealed class NftHitsTests
{
    [Fact]
    public void Parse_ReadsSourceDestinationAndPackets_AsNftPrintsThem()
    {
        // Captured from nft 1.0.6: nft -j list set inet pipshield hits4
        const string json = """
            {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
            {"set": {"family": "inet", "name": "hits4", "table": "pipshield", "type": ["ipv4_addr", "ipv4_addr"], "handle": 8,
            "size": 65535, "flags": ["timeout"], "timeout": 3600, "elem": [
            {"elem": {"val": {"concat": ["198.18.0.1", "198.18.1.2"]}, "expires": 3598, "counter": {"packets": 2, "bytes": 120}}}],
            "stmt": [{"counter": null}]}}]}
            """;

        NftHits.Hit hit = Assert.Single(NftHits.Parse(json));

        Assert.Equal((IPAddress.Parse("198.18.0.1"), IPAddress.Parse("198.18.1.2"), 2L), (hit.Source, hit.Destination, hit.Packets));
    }

    [Fact]
    public void Parse_AnEmptySet_GivesNoHits()
    {
        const string json = """{"nftables": [{"metainfo": {}}, {"set": {"family": "inet", "name": "hits6", "table": "pipshield"}}]}""";

        Assert.Empty(NftHits.Parse(json));
    }
}
