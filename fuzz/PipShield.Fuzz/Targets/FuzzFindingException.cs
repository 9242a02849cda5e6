namespace PipShield.Fuzz.Targets;

/// <summary>
/// Thrown by a fuzz target when the code under test broke a promise without throwing itself (a response it
/// cannot read back, an image the compiler wrote that the opener rejects). Like any other exception that
/// escapes a target, it is a finding.
/// </summary>
internal sealed class FuzzFindingException(string message) : Exception(message)
{
    /// <summary>Throws when <paramref name="condition"/> is false.</summary>
    public static void Check(bool condition, string promise)
    {
        if (!condition)
        {
            throw new FuzzFindingException(promise);
        }
    }
}
