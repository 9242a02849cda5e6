namespace PipShield.Blocklist.Lookup;

/// <summary>An image file that cannot be used: truncated, corrupt, of another format version, or not an image.</summary>
public sealed class InvalidBlocklistImageException(string message) : Exception(message);
