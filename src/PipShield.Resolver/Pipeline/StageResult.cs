namespace PipShield.Resolver.Pipeline;

/// <summary>What a request stage decided.</summary>
public enum StageResult : byte
{
    /// <summary>Pass the query to the next stage.</summary>
    Continue = 0,

    /// <summary>The context now holds the response.</summary>
    Respond = 1,

    /// <summary>Send nothing.</summary>
    Drop = 2,
}
