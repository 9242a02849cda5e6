namespace PipShield.Resolver.Tests.Floods;

/// <summary>
/// Flood tests run alone, after the parallel ones: they hold thousands of sockets, push the shared cores, and read
/// the process-wide managed heap, which other tests running beside them would disturb.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FloodCollection
{
    public const string Name = "Floods";
}
