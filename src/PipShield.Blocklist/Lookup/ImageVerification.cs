namespace PipShield.Blocklist.Lookup;

/// <summary>How much of an image <see cref="BlocklistImage.Open"/> checks before it is used.</summary>
public enum ImageVerification : byte
{
    /// <summary>Header, section bounds, tables, and the checksum over the whole body. Time grows with size (about 1 ms per 10 MB).</summary>
    Full = 0,

    /// <summary>Header, section bounds and tables only: constant time. For an image this process wrote and checked itself.
    /// Lookups stay within the mapping even if the body is corrupt; they may then give wrong verdicts.</summary>
    HeaderOnly = 1,
}
