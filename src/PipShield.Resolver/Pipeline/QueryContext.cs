using System.Net;
using PipShield.Blocklist;
using PipShield.Blocklist.Lookup;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Pipeline;

/// <summary>
/// One query in flight: the request bytes, what was parsed from them, who asked, and the response being
/// built. Listeners own contexts and reuse them; a context is only touched by one query at a time.
/// </summary>
public sealed class QueryContext
{
    /// <summary>Largest DNS message (RFC 1035 §4.2.2: TCP length prefix).</summary>
    public const int MaxMessageSize = 65535;

    private readonly byte[] _decisionSubject = new byte[256];
    private int _decisionSubjectLength;

    /// <summary>Creates a context with its own buffers for requests and responses of up to 64 KiB.</summary>
    public QueryContext()
    {
        Request = new byte[MaxMessageSize];
        Response = new byte[MaxMessageSize];
    }

    /// <summary>Request bytes; the query is <c>Request[..RequestLength]</c>.</summary>
    public byte[] Request { get; }

    public int RequestLength { get; set; }

    /// <summary>What the parse stage read; valid once it has run.</summary>
    public QueryInfo Query { get; set; }

    /// <summary>The response bytes; valid once a stage returned <see cref="StageResult.Respond"/>.</summary>
    public byte[] Response { get; }

    public int ResponseLength { get; set; }

    /// <summary>Who made the response.</summary>
    public ResponseOrigin Origin { get; set; }

    /// <summary>The client's address (for access control, rate limits and the query log).</summary>
    public ClientAddress Client { get; set; }

    /// <summary>The client's endpoint, when a listener has one to reply to.</summary>
    public EndPoint? ClientEndPoint { get; set; }

    /// <summary>
    /// The enrolled device that asked, when known: from its DNS-over-HTTPS path, its DNS-over-TLS server name, or
    /// its address on plain DNS (<see cref="IDeviceDirectory"/>). Null for an unidentified client.
    /// </summary>
    public DeviceIdentity? Device { get; set; }

    public Transport Transport { get; set; }

    /// <summary>Largest response the client accepts on this transport (UDP payload size, or 65535 on streams).</summary>
    public int MaxResponseSize { get; set; } = 512;

    /// <summary>The policy decision for the query name (or for a CNAME target or answer address), if any.</summary>
    public RuleMatch Decision { get; set; }

    /// <summary>The image the decision came from, for naming its source; not leased beyond the decision.</summary>
    public BlocklistImage? DecisionImage { get; set; }

    /// <summary>How a blocked query was answered (the rule's action, else its category's, else the default).</summary>
    public RuleAction DecisionAction { get; set; }

    /// <summary>
    /// What a response-policy decision matched: a CNAME target (wire name) or an answer address (4 or 16 bytes).
    /// Empty when the decision was on the query name; the query log names the rule from it.
    /// </summary>
    public ReadOnlySpan<byte> DecisionSubject => _decisionSubject.AsSpan(0, _decisionSubjectLength);

    /// <summary>When the listener received the query.</summary>
    public long ReceivedTimestamp { get; set; }

    public ReadOnlySpan<byte> RequestSpan => Request.AsSpan(0, RequestLength);

    public ReadOnlySpan<byte> ResponseSpan => Response.AsSpan(0, ResponseLength);

    /// <summary>Clears per-query state so the context can take the next query.</summary>
    public void Reset()
    {
        RequestLength = 0;
        ResponseLength = 0;
        Query = default;
        Origin = ResponseOrigin.None;
        Decision = default;
        DecisionImage = null;
        DecisionAction = RuleAction.Default;
        _decisionSubjectLength = 0;
        ClientEndPoint = null;
        Device = null;
        MaxResponseSize = 512;
    }

    /// <summary>Records what a response-policy decision matched (at most 255 bytes are kept).</summary>
    public void SetDecisionSubject(ReadOnlySpan<byte> subject)
    {
        subject = subject[..Math.Min(subject.Length, _decisionSubject.Length)];
        subject.CopyTo(_decisionSubject);
        _decisionSubjectLength = subject.Length;
    }

    /// <summary>Writes an error reply for the current query.</summary>
    public StageResult RespondWithError(Rcode rcode, EdeCode? ede = null, ReadOnlySpan<byte> extraText = default)
    {
        ResponseLength = ResponseBuilder.WriteError(RequestSpan, Query, rcode, Response, ede, extraText);
        Origin = rcode == Rcode.Refused ? ResponseOrigin.Refused : ResponseOrigin.Error;
        return ResponseLength > 0 ? StageResult.Respond : StageResult.Drop;
    }
}
