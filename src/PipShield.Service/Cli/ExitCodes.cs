namespace PipShield.Service.Cli;

/// <summary>Exit codes of the <c>pipshield</c> commands.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>Bad arguments, a missing or unusable file, or a failed compile; one line on stderr says why.</summary>
    public const int Error = 1;

    /// <summary><c>check</c>: some inputs were neither a domain name nor an IP address (each was printed with
    /// verdict <c>none</c>).</summary>
    public const int InvalidInput = 2;
}
