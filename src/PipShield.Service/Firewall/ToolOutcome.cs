namespace PipShield.Service.Firewall;

/// <summary>How a run of a firewall tool ended.</summary>
internal enum ToolOutcome : byte
{
    Succeeded,
    Failed,
    NotFound,
    TimedOut,
}
