using System.Net;
using System.Text.Json;

namespace PipShield.Service.Firewall;

/// <summary>Reads the hits sets as nft prints them with <c>-j</c>: one element per source . destination with its packet counter.</summary>
internal static class NftHits
{
    /// <summary>One element of a hits set.</summary>
    public readonly record struct Hit(IPAddress Source, IPAddress Destination, long Packets);

    /// <summary>Parses <c>nft -j list set …</c> output; elements it cannot read are left out.</summary>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    public static List<Hit> Parse(string json)
    {
        var hits = new List<Hit>();
        using JsonDocument document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty("nftables", out JsonElement items) || items.ValueKind != JsonValueKind.Array)
        {
            return hits;
        }

        foreach (JsonElement item in items.EnumerateArray())
        {
            if (!item.TryGetProperty("set", out JsonElement set) || !set.TryGetProperty("elem", out JsonElement elements)
                || elements.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            // {"elem": {"val": {"concat": ["SRC", "DST"]}, "counter": {"packets": N, "bytes": M}}}
            foreach (JsonElement wrapper in elements.EnumerateArray())
            {
                if (wrapper.TryGetProperty("elem", out JsonElement element)
                    && element.TryGetProperty("val", out JsonElement value)
                    && value.TryGetProperty("concat", out JsonElement pair) && pair.GetArrayLength() == 2
                    && IPAddress.TryParse(pair[0].GetString(), out IPAddress? source)
                    && IPAddress.TryParse(pair[1].GetString(), out IPAddress? destination)
                    && element.TryGetProperty("counter", out JsonElement counter)
                    && counter.TryGetProperty("packets", out JsonElement packets) && packets.TryGetInt64(out long count))
                {
                    hits.Add(new Hit(source, destination, count));
                }
            }
        }

        return hits;
    }
}
