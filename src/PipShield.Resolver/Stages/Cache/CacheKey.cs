using System.Runtime.CompilerServices;

namespace PipShield.Resolver.Stages.Cache;

/// <summary>
/// What a cached response is filed under: the case-folded question name, QTYPE, QCLASS and the DO and CD
/// bits, which change what an upstream answers (RFC 3225, RFC 4035 §3.2.2). The folded name itself lives in a
/// caller's stack buffer and, once stored, in the entry's bytes; the key carries its hash and length.
/// </summary>
internal readonly struct CacheKey
{
    /// <summary>The DO bit was set in the query's OPT record.</summary>
    public const byte DnssecOkFlag = 1;

    /// <summary>The CD bit was set in the query header.</summary>
    public const byte CheckingDisabledFlag = 2;

    private CacheKey(int hash, ushort qtype, ushort qclass, byte flags, int nameLength)
    {
        Hash = hash;
        QType = qtype;
        QClass = qclass;
        Flags = flags;
        NameLength = nameLength;
    }

    public int Hash { get; }

    public ushort QType { get; }

    public ushort QClass { get; }

    /// <summary><see cref="DnssecOkFlag"/> and <see cref="CheckingDisabledFlag"/>.</summary>
    public byte Flags { get; }

    public int NameLength { get; }

    public bool DnssecOk => (Flags & DnssecOkFlag) != 0;

    public bool CheckingDisabled => (Flags & CheckingDisabledFlag) != 0;

    /// <summary>
    /// Folds <paramref name="wireName"/> into <paramref name="folded"/> (at least as long) and hashes it with
    /// the rest of the key. <see cref="HashCode"/> is seeded per process, so crafted names cannot pile onto
    /// one bucket.
    /// </summary>
    public static CacheKey Create(ReadOnlySpan<byte> wireName, ushort qtype, ushort qclass, bool dnssecOk, bool checkingDisabled, Span<byte> folded)
    {
        for (int i = 0; i < wireName.Length; i++)
        {
            folded[i] = Fold(wireName[i]);
        }

        byte flags = (byte)((dnssecOk ? DnssecOkFlag : 0) | (checkingDisabled ? CheckingDisabledFlag : 0));
        var hash = new HashCode();
        hash.AddBytes(folded[..wireName.Length]);
        hash.Add(qtype | (qclass << 16));
        hash.Add(flags);
        return new CacheKey(hash.ToHashCode(), qtype, qclass, flags, wireName.Length);
    }

    /// <summary>ASCII lower case; length octets (≤ 63) and non-letters pass through.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Fold(byte b) => (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b | 0x20) : b;
}
