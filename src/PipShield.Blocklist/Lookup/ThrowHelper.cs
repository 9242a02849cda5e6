using System.Diagnostics.CodeAnalysis;

namespace PipShield.Blocklist.Lookup;

internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void InvalidImage(string reason) => throw new InvalidBlocklistImageException(reason);
}
