namespace PipShield.Service.BlockPage;

/// <summary>What one warning page says about one request.</summary>
internal sealed class BlockPageModel
{
    /// <summary>The name the browser asked for, in ASCII (A-label) form; null when the Host was unreadable.</summary>
    public string? Name { get; init; }

    /// <summary>The Unicode form of an internationalised <see cref="Name"/>; null when it is plain ASCII.</summary>
    public string? UnicodeName { get; init; }

    /// <summary>Whether the lists in service block <see cref="Name"/> now.</summary>
    public bool Listed { get; init; }

    /// <summary>Category of the list that blocks the name.</summary>
    public string? Category { get; init; }

    /// <summary>Name of the list that blocks the name.</summary>
    public string? Source { get; init; }

    /// <summary>When the page was made.</summary>
    public DateTimeOffset When { get; init; }

    /// <summary>When the lists in service were compiled; null without lists.</summary>
    public DateTimeOffset? ListsBuilt { get; init; }
}
