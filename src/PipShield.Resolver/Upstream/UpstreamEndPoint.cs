using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace PipShield.Resolver.Upstream;

/// <summary>Reads upstream addresses from configuration, and spots an upstream that is PipShield itself.</summary>
public static class UpstreamEndPoint
{
    /// <summary>The DNS port, used when an address has none.</summary>
    public const int DefaultPort = 53;

    /// <summary>Reads <c>ADDR[:PORT]</c>: <c>9.9.9.9</c>, <c>9.9.9.9:5353</c>, <c>2620:fe::fe</c>, <c>[2620:fe::fe]:53</c>.</summary>
    /// <returns>False for anything else, including host names (an upstream by name would need a resolver to find it).</returns>
    public static bool TryParse(string? text, [NotNullWhen(true)] out IPEndPoint? endPoint)
    {
        endPoint = null;
        if (string.IsNullOrWhiteSpace(text) || !IPEndPoint.TryParse(text.Trim(), out IPEndPoint? parsed))
        {
            return false;
        }

        if (parsed.Address.IsIPv4MappedToIPv6)
        {
            parsed.Address = parsed.Address.MapToIPv4();
        }

        if (parsed.Port == 0)
        {
            parsed.Port = DefaultPort;
        }

        if (parsed.Address.Equals(IPAddress.Any) || parsed.Address.Equals(IPAddress.IPv6Any))
        {
            return false;
        }

        endPoint = parsed;
        return true;
    }

    /// <summary>
    /// True when <paramref name="upstream"/> is one of PipShield's own listening endpoints, so forwarding to it
    /// would loop. A listener on a wildcard address (0.0.0.0 or ::) covers loopback and every address of
    /// <paramref name="localAddresses"/> (by default, the addresses of this machine's interfaces).
    /// </summary>
    /// <remarks>For startup checks; reads the network interfaces when <paramref name="localAddresses"/> is null.</remarks>
    public static bool IsOwnEndPoint(IPEndPoint upstream, IEnumerable<IPEndPoint> listenEndPoints, IEnumerable<IPAddress>? localAddresses = null)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        ArgumentNullException.ThrowIfNull(listenEndPoints);
        IPAddress target = Unmap(upstream.Address);
        HashSet<IPAddress>? local = null;
        foreach (IPEndPoint listen in listenEndPoints)
        {
            if (listen.Port != upstream.Port)
            {
                continue;
            }

            IPAddress address = Unmap(listen.Address);
            if (address.Equals(target))
            {
                return true;
            }

            bool wildcard = address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);
            if (!wildcard)
            {
                continue;
            }

            // A dual-stack [::] socket also takes IPv4; a 0.0.0.0 socket takes IPv4 only.
            if (address.Equals(IPAddress.Any) && target.AddressFamily != AddressFamily.InterNetwork)
            {
                continue;
            }

            local ??= LocalAddresses(localAddresses);
            if (IPAddress.IsLoopback(target) || local.Contains(target))
            {
                return true;
            }
        }

        return false;
    }

    private static HashSet<IPAddress> LocalAddresses(IEnumerable<IPAddress>? given)
    {
        var set = new HashSet<IPAddress>();
        if (given is not null)
        {
            foreach (IPAddress address in given)
            {
                set.Add(Unmap(address));
            }

            return set;
        }

        try
        {
            foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (UnicastIPAddressInformation unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    set.Add(Unmap(unicast.Address));
                }
            }
        }
        catch (NetworkInformationException)
        {
            // Without the interface list only loopback and exact matches are caught.
        }

        return set;
    }

    private static IPAddress Unmap(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        // Scope ids make otherwise equal link-local addresses compare unequal.
        return address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0 ? new IPAddress(address.GetAddressBytes()) : address;
    }
}
