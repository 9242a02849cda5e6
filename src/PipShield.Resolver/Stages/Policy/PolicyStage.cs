using System.Net;
using System.Net.Sockets;
using System.Text;
using PipShield.Blocklist;
using PipShield.Blocklist.Lookup;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Stages.Policy;

/// <summary>
/// Looks the query name up in the blocklist image and answers blocked names with the action their rule or
/// category asks for, with an Extended DNS Error (15, Blocked) naming the category and source.
/// Allowed and unlisted names continue to the cache.
/// </summary>
public sealed class PolicyStage : IQueryStage
{
    private readonly ImageHolder _images;
    private readonly PolicyOptions _options;
    private readonly byte[] _sinkholeV4;
    private readonly byte[] _sinkholeV6;
    private SourceTexts? _texts;

    public PolicyStage(ImageHolder images, PolicyOptions options)
    {
        _images = images;
        _options = options;
        _sinkholeV4 = ParseAddress(options.SinkholeIPv4, AddressFamily.InterNetwork, nameof(options.SinkholeIPv4));
        _sinkholeV6 = ParseAddress(options.SinkholeIPv6, AddressFamily.InterNetworkV6, nameof(options.SinkholeIPv6));
    }

    public ValueTask<StageResult> ProcessAsync(QueryContext query, CancellationToken cancellationToken)
    {
        using ImageHolder.Lease lease = _images.Acquire();
        BlocklistImage? image = lease.Image;
        if (image is null)
        {
            return new ValueTask<StageResult>(StageResult.Continue);
        }

        RuleMatch match = image.Match(query.Query.QName(query.RequestSpan));
        if (match.Verdict == Verdict.None)
        {
            return new ValueTask<StageResult>(StageResult.Continue);
        }

        query.Decision = match;
        query.DecisionImage = image;
        return new ValueTask<StageResult>(match.Verdict == Verdict.Blocked ? Respond(query, image, match) : StageResult.Continue);
    }

    /// <summary>Writes the block answer for <paramref name="match"/> into <paramref name="query"/>.</summary>
    /// <param name="soaOwnerOffset">Where in the question name the SOA owner starts; by default the listed name
    /// the query name matched. A match on a CNAME target or an answer address passes 0: the negative answer
    /// is about the name asked for (RFC 2308 §3).</param>
    public StageResult Respond(QueryContext query, BlocklistImage image, in RuleMatch match, int? soaOwnerOffset = null)
    {
        ImageSource source = image.GetSource(match);
        RuleAction action = match.Action != RuleAction.Default ? match.Action
            : _options.CategoryActions.TryGetValue(source.Category, out RuleAction configured) ? configured
            : _options.DefaultAction;
        query.DecisionAction = action;
        if (action == RuleAction.Drop)
        {
            return StageResult.Drop;
        }

        BlockAnswerKind kind = action switch
        {
            RuleAction.NxDomain => BlockAnswerKind.NxDomain,
            RuleAction.NoData => BlockAnswerKind.NoData,
            RuleAction.Refused => BlockAnswerKind.Refused,
            _ => BlockAnswerKind.Sinkhole,
        };

        Span<byte> localV4 = stackalloc byte[4];
        Span<byte> localV6 = stackalloc byte[16];
        scoped ReadOnlySpan<byte> v4 = _sinkholeV4;
        scoped ReadOnlySpan<byte> v6 = _sinkholeV6;
        if (action == RuleAction.LocalData)
        {
            // RPZ local data overrides the sinkhole; a type it has no record for gets NODATA.
            ReadOnlySpan<byte> localData = image.GetLocalData(match);
            v4 = TryLocalAddress(localData, "A "u8, localV4) ? localV4 : default;
            v6 = TryLocalAddress(localData, "AAAA "u8, localV6) ? localV6 : default;
        }

        var answer = new BlockAnswer
        {
            Kind = kind,
            Ttl = (uint)_options.BlockTtlSeconds,
            SinkholeV4 = v4,
            SinkholeV6 = v6,
            RuleNameOffset = soaOwnerOffset ?? (match.IsIp ? 0 : match.NameOffset),
            Ede = EdeCode.Blocked,
            ExtraText = Texts(image).For(match.SourceIndex, query.Query.WantsStructuredError),
        };
        query.ResponseLength = ResponseBuilder.WriteBlocked(query.RequestSpan, query.Query, answer, query.Response);
        query.Origin = ResponseOrigin.Blocked;
        return query.ResponseLength > 0 ? StageResult.Respond : StageResult.Drop;
    }

    private SourceTexts Texts(BlocklistImage image)
    {
        // Built once per image, so block answers never format strings.
        SourceTexts? texts = Volatile.Read(ref _texts);
        if (texts is null || !ReferenceEquals(texts.Image, image))
        {
            texts = new SourceTexts(image, _options);
            Volatile.Write(ref _texts, texts);
        }

        return texts;
    }

    private static bool TryLocalAddress(ReadOnlySpan<byte> localData, ReadOnlySpan<byte> prefix, Span<byte> destination)
    {
        Span<char> text = stackalloc char[64];
        foreach (Range line in localData.Split((byte)'\n'))
        {
            ReadOnlySpan<byte> value = localData[line];
            if (value.StartsWith(prefix))
            {
                value = value[prefix.Length..].Trim((byte)' ');
                int length = Encoding.ASCII.GetChars(value[..Math.Min(value.Length, text.Length)], text);
                if (IPAddress.TryParse(text[..length], out IPAddress? address) && address.TryWriteBytes(destination, out int written)
                    && written == destination.Length)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static byte[] ParseAddress(string text, AddressFamily family, string key)
    {
        if (!IPAddress.TryParse(text, out IPAddress? address) || address.AddressFamily != family)
        {
            throw new ArgumentException($"{PolicyOptions.SectionName}:{key}: '{text}' is not an {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address");
        }

        return address.GetAddressBytes();
    }

    /// <summary>The EXTRA-TEXT of each source of one image: short text, and the structured JSON form.</summary>
    private sealed class SourceTexts
    {
        private readonly byte[][] _short;
        private readonly byte[][]? _structured;

        public SourceTexts(BlocklistImage image, PolicyOptions options)
        {
            Image = image;
            _short = [.. image.Sources.Select(s => Encoding.UTF8.GetBytes($"{s.Category}: {s.Name}"))];
            _structured = options.StructuredErrorContacts.Count == 0 ? null
                : [.. image.Sources.Select(s => StructuredErrorText.Write(options.StructuredErrorContacts, $"{s.Category}: {s.Name}", options.StructuredErrorOrganisation))];
        }

        public BlocklistImage Image { get; }

        /// <summary>The text for <paramref name="source"/>; JSON only for a client that signalled it reads it.</summary>
        public ReadOnlySpan<byte> For(int source, bool structured)
        {
            byte[][] texts = structured && _structured is not null ? _structured : _short;
            return (uint)source < (uint)texts.Length ? texts[source] : default;
        }
    }
}
