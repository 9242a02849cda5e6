using System.Net;
using System.Net.Sockets;

namespace PipShield.Service.BlockPage;

/// <summary>The addresses devices reach the page on, which blocked A/AAAA answers carry.</summary>
internal static class BlockPageAddresses
{
    /// <summary>
    /// The configured address of <paramref name="family"/>, or else the first listen address of that family that
    /// is not a wildcard; null when there is none (a wildcard cannot be an answer).
    /// </summary>
    public static IPAddress? Reachable(BlockPageOptions options, AddressFamily family)
    {
        string? configured = family == AddressFamily.InterNetwork ? options.AddressIPv4 : options.AddressIPv6;
        if (configured is not null)
        {
            return IPAddress.TryParse(configured, out IPAddress? address) ? address : null;
        }

        foreach (string text in options.HttpEndPoints.Concat(options.HttpsEndPoints))
        {
            if (IPEndPoint.TryParse(text, out IPEndPoint? endPoint) && endPoint.AddressFamily == family
                && !endPoint.Address.Equals(IPAddress.Any) && !endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                return endPoint.Address;
            }
        }

        return null;
    }
}
