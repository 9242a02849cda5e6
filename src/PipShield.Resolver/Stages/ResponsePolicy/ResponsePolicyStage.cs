using System.Buffers.Binary;
using PipShield.Blocklist;
using PipShield.Blocklist.Lookup;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Stages.Policy;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Stages.ResponsePolicy;

/// <summary>
/// Inspects upstream answers: each CNAME target is looked up in the domain lists (CNAME cloaking, where a
/// first-party name aliases a listed tracker or malware host) and each A/AAAA address in the IP lists
/// (response-IP policy). The first blocked verdict replaces the response with the block answer of that rule.
/// A query name on an allowlist exempts its whole answer. Allocates nothing when the answer is clean.
/// </summary>
public sealed class ResponsePolicyStage : IResponseStage
{
    private const ushort ClassIn = 1;

    private readonly ImageHolder _images;
    private readonly PolicyStage _policy;

    /// <param name="images">The image the policy stage reads.</param>
    /// <param name="policy">Writes the block answers, so they match the query-name blocks exactly.</param>
    public ResponsePolicyStage(ImageHolder images, PolicyStage policy)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(policy);
        _images = images;
        _policy = policy;
    }

    public void Process(QueryContext query)
    {
        ArgumentNullException.ThrowIfNull(query);

        // Cached answers were inspected on their way in; blocked, error and stale responses need nothing.
        if (query.Origin != ResponseOrigin.Upstream || query.Decision.Verdict == Verdict.Allowed)
        {
            return;
        }

        using ImageHolder.Lease lease = _images.Acquire();
        BlocklistImage? image = lease.Image;
        if (image is null)
        {
            return;
        }

        Span<byte> subject = stackalloc byte[256];
        RuleMatch match = FindBlocked(image, query.ResponseSpan, subject, out int subjectLength);
        if (match.Verdict != Verdict.Blocked)
        {
            return;
        }

        query.Decision = match;
        query.SetDecisionSubject(subject[..subjectLength]);
        query.DecisionImage = image;
        if (_policy.Respond(query, image, match, soaOwnerOffset: 0) != StageResult.Respond)
        {
            query.ResponseLength = 0; // the rule's action is to drop the query
        }
    }

    /// <summary>The first blocked CNAME target or address in the answer section, or <see cref="RuleMatch.None"/>.</summary>
    /// <param name="subject">Receives what matched: the CNAME target's wire name (the match's name offset is
    /// within it) or the address bytes. At least 256 bytes.</param>
    internal static RuleMatch FindBlocked(BlocklistImage image, ReadOnlySpan<byte> response, Span<byte> subject, out int subjectLength)
    {
        subjectLength = 0;
        Span<byte> target = stackalloc byte[256];
        var reader = new DnsRecordReader(response);
        while (reader.TryReadNext(out DnsRecordInfo record) && record.Section == DnsSection.Answer)
        {
            if (record.Class != ClassIn)
            {
                continue;
            }

            ReadOnlySpan<byte> rdata = response.Slice(record.RDataOffset, record.RDataLength);
            RuleMatch match;
            switch (record.Type)
            {
                case (ushort)DnsType.CNAME:
                    if (!DnsName.TryDecompress(response, record.RDataOffset, target, out int length))
                    {
                        continue;
                    }

                    match = image.Match(target[..length]);
                    if (match.Verdict == Verdict.Blocked)
                    {
                        target[..length].CopyTo(subject);
                        subjectLength = length;
                    }

                    break;
                case (ushort)DnsType.A when rdata.Length == 4:
                case (ushort)DnsType.AAAA when rdata.Length == 16:
                    match = image.MatchAddress(rdata);
                    if (match.Verdict == Verdict.Blocked)
                    {
                        rdata.CopyTo(subject);
                        subjectLength = rdata.Length;
                    }

                    break;
                default:
                    continue;
            }

            // An allow rule on one target or address does not vouch for the others: keep looking.
            if (match.Verdict == Verdict.Blocked)
            {
                return match;
            }
        }

        return RuleMatch.None;
    }
}
