using System.Net;
using System.Net.Sockets;

namespace PipShield.Resolver.Tests.Listeners;

/// <summary>
/// Loopback ports for test servers, taken below the kernel's ephemeral range (32768+ on Linux). A server on an
/// ephemeral port can inherit a port that a client socket of another test used a moment ago, and then receive that
/// test's late replies and retries as queries, which upsets the tests that count queries. Ports handed out here are
/// never reused within a run.
/// </summary>
internal static class TestPorts
{
    private const int First = 10_000;
    private const int Count = 20_000; // 10000–29999; the Service tests pick theirs elsewhere or from the ephemeral range
    private static int _next = Random.Shared.Next(Count);

    /// <summary>"127.0.0.1:PORT" for a port free for both UDP and TCP now.</summary>
    public static string Loopback()
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            int port = First + (int)((uint)Interlocked.Increment(ref _next) % Count);
            if (IsFree(port))
            {
                return $"127.0.0.1:{port}";
            }
        }

        throw new InvalidOperationException("no free loopback port below the ephemeral range");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
