using System.Net;
using PipShield.Tests.Tls;

namespace PipShield.Resolver.Tests.Integration;

/// <summary>Runs ISC <c>dig</c> against a test resolver; tests skip when it is not installed (test.sh installs dnsutils).</summary>
internal static class Dig
{
    private static readonly DnsTool Tool = new("dig", "dnsutils", "+tries=1 +time=2");

    /// <summary>Runs <c>dig @address -p port args +tries=1 +time=2</c> and returns its output.</summary>
    public static Task<string> RunAsync(IPEndPoint server, string arguments) => Tool.RunAsync(server, arguments);
}
