using System.Buffers.Binary;
using ARSoft.Tools.Net.Dns;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Stages.Parse;
using PipShield.Resolver.Tests.Fakes;
using PipShield.Resolver.Tests.Wire;
using PipShield.Resolver.Upstream;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Tests.Stages.Upstream;

/// <summary>Shared set-up for upstream and response-policy tests: pools over fakes, parsed contexts, decoding.</summary>
internal static class UpstreamTestKit
{
    /// <summary>
    /// Options pointing at <paramref name="fakes"/>. The timeout is long enough that a loopback reply never misses it
    /// on a busy test machine; tests where every server fails shorten it.
    /// </summary>
    public static UpstreamOptions Options(params FakeUpstream[] fakes) => new()
    {
        Servers = [.. fakes.Select(f => f.EndPoint.ToString())],
        Timeout = TimeSpan.FromSeconds(1),
        Deadline = TimeSpan.FromSeconds(3),
        MaxAttempts = 3,
        RecoveryInterval = TimeSpan.FromSeconds(30),
    };

    public static UpstreamPool Pool(params FakeUpstream[] fakes) => new(Options(fakes));

    /// <summary>A query as the upstream stage sends it: RD, the question, PipShield's OPT.</summary>
    public static byte[] UpstreamQuery(string name, DnsType type, ushort id = 0x1234) => TestQueries.Build(name, type, id, edns: true);

    /// <summary>Sends <paramref name="query"/> through <paramref name="pool"/>; the reply is trimmed to its length.</summary>
    public static async Task<(UpstreamResult Result, byte[] Reply)> AskAsync(IUpstreamClient pool, byte[] query)
    {
        var response = new byte[QueryContext.MaxMessageSize];
        UpstreamResult result = await pool.QueryAsync(query, response, TestContext.Current.CancellationToken);
        return (result, response[..result.Length]);
    }

    /// <summary>A context holding <paramref name="request"/>, parsed as the pipeline would.</summary>
    public static QueryContext Context(byte[] request)
    {
        var context = new QueryContext();
        request.CopyTo(context.Request, 0);
        context.RequestLength = request.Length;
        context.Transport = Transport.Udp;
        StageResult parsed = new ParseStage().ProcessAsync(context, CancellationToken.None).Result;
        Assert.Equal(StageResult.Continue, parsed);
        return context;
    }

    /// <summary>Decodes with ARSoft.Tools.Net, an implementation independent of ours.</summary>
    public static DnsMessage Decode(ReadOnlySpan<byte> message) => DnsMessage.Parse(message.ToArray());

    /// <summary>The Extended DNS Error code in the message's OPT, or null.</summary>
    public static ushort? ExtendedError(ReadOnlySpan<byte> message)
    {
        var reader = new DnsRecordReader(message);
        while (reader.TryReadNext(out DnsRecordInfo record))
        {
            if (record.Type != (ushort)DnsType.OPT)
            {
                continue;
            }

            ReadOnlySpan<byte> options = message.Slice(record.RDataOffset, record.RDataLength);
            while (options.Length >= 4)
            {
                ushort code = BinaryPrimitives.ReadUInt16BigEndian(options);
                int length = BinaryPrimitives.ReadUInt16BigEndian(options[2..]);
                if (code == EdnsOptions.ExtendedError && length >= 2)
                {
                    return BinaryPrimitives.ReadUInt16BigEndian(options[4..]);
                }

                options = options[Math.Min(options.Length, 4 + length)..];
            }
        }

        return null;
    }

    /// <summary>A loopback UDP port with nothing listening: queries to it get ICMP port unreachable.</summary>
    public static string ClosedPort()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
            System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return socket.LocalEndPoint!.ToString()!;
    }
}
