namespace PipShield.Service.Feeds;

/// <summary>The feed catalogue cannot be used; the message names the file, the key and the problem.</summary>
internal sealed class FeedCatalogException(string message) : Exception(message);
