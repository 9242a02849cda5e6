namespace PipShield.Blocklist.Lookup;

/// <summary>
/// A contiguous run of blocked addresses from an image's flattened IP ranges: <see cref="First"/> to
/// <see cref="Last"/> inclusive, in the same numbering as <see cref="IpPrefix.Address"/> (IPv4 in the low 32 bits).
/// </summary>
/// <param name="First">The first blocked address.</param>
/// <param name="Last">The last blocked address.</param>
/// <param name="IsIPv6">True for IPv6.</param>
/// <param name="SourceIndex">Index into <see cref="BlocklistImage.Sources"/> of the list whose rule blocks it.</param>
/// <param name="PrefixLength">The length of the most specific listed prefix covering the run.</param>
public readonly record struct IpBlockRange(UInt128 First, UInt128 Last, bool IsIPv6, ushort SourceIndex, byte PrefixLength);
