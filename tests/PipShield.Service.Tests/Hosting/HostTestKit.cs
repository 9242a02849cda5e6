using System.Net;
using System.Net.Sockets;
using DnsClient;

namespace PipShield.Service.Tests.Hosting;

/// <summary>Ports and clients for tests that run the service host on loopback.</summary>
internal static class HostTestKit
{
    /// <summary>A port free for both UDP and TCP on 127.0.0.1.</summary>
    public static int FreePort()
    {
        for (int attempt = 0; attempt < 20; attempt++)
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            int port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("no free port");
    }

    /// <summary>A port P such that P and P + 1 are free for UDP and TCP on 127.0.0.1.</summary>
    public static int FreePortPair()
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            int port = Random.Shared.Next(20000, 60000);
            if (IsFree(port) && IsFree(port + 1))
            {
                return port;
            }
        }

        throw new InvalidOperationException("no two consecutive free ports");
    }

    /// <summary>Whether <paramref name="port"/> can be bound on 127.0.0.1 for both TCP and UDP now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A DnsClient lookup client for the server on <paramref name="port"/>: no cache, no retries.</summary>
    public static LookupClient Client(int port) => new(new LookupClientOptions(new NameServer(IPAddress.Loopback, port))
    {
        UseCache = false,
        Retries = 0,
        Timeout = TimeSpan.FromSeconds(3),
        ThrowDnsErrors = false,
    });
}
