using System.Net;
using System.Net.Sockets;

namespace PipShield.Resolver.Listeners;

/// <summary>
/// Binds the UDP and TCP sockets of one listen address to the same port. For port 0 the UDP socket picks a free
/// port and the TCP socket takes the same number, retrying with a new port when TCP finds it taken.
/// </summary>
internal static class SocketBinding
{
    private const int Attempts = 16;
    private const int ListenBacklog = 512;
    private const int UdpSocketBufferSize = 1 << 20; // absorbs bursts while a receive thread is busy; the OS may cap it

    /// <summary>Binds both sockets; the caller owns them.</summary>
    /// <exception cref="SocketException">The address cannot be bound (in use, not local, no permission).</exception>
    public static (Socket Udp, Socket Tcp) Bind(IPEndPoint endPoint)
    {
        for (int attempt = 1; ; attempt++)
        {
            Socket udp = CreateUdp(endPoint);
            int port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            try
            {
                return (udp, CreateTcp(new IPEndPoint(endPoint.Address, port)));
            }
            catch (SocketException ex) when (endPoint.Port == 0 && attempt < Attempts && ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                udp.Dispose(); // another process holds this port for TCP: try another free UDP port
            }
            catch
            {
                udp.Dispose();
                throw;
            }
        }
    }

    /// <summary>Binds a listening TCP socket alone (DNS-over-TLS); the caller owns it.</summary>
    /// <exception cref="SocketException">The address cannot be bound.</exception>
    public static Socket BindTcp(IPEndPoint endPoint) => CreateTcp(endPoint);

    private static Socket CreateUdp(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            PrepareAddressFamily(socket, endPoint);
            TrySetReceiveBuffer(socket);
            if (OperatingSystem.IsWindows())
            {
                // SIO_UDP_CONNRESET off: otherwise an ICMP port-unreachable for an old reply fails the next receive.
                socket.IOControl(unchecked((int)0x9800000C), [0, 0, 0, 0], null);
            }

            socket.Bind(endPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static Socket CreateTcp(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            PrepareAddressFamily(socket, endPoint);
            if (!OperatingSystem.IsWindows())
            {
                // Rebind at once after a restart despite connections in TIME_WAIT; on Windows this would allow port stealing.
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }

            socket.Bind(endPoint);
            socket.Listen(ListenBacklog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static void PrepareAddressFamily(Socket socket, IPEndPoint endPoint)
    {
        if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // IPv6 only, so "0.0.0.0:53" and "[::]:53" can both be listed; IPv4 clients arrive on the IPv4 socket.
            socket.DualMode = false;
        }
    }

    private static void TrySetReceiveBuffer(Socket socket)
    {
        try
        {
            socket.ReceiveBufferSize = UdpSocketBufferSize;
        }
        catch (SocketException)
        {
            // Not fatal: the default buffer only drops more packets in a burst.
        }
    }
}
