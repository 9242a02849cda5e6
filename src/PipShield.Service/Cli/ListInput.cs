using PipShield.Blocklist.Compiling;

namespace PipShield.Service.Cli;

/// <summary>One list file to compile, resolved from a command-line spec or a config entry.</summary>
/// <param name="Path">The file to read.</param>
/// <param name="Descriptor">Name, category, format, action and allowlist flag handed to the compiler.</param>
internal sealed record ListInput(string Path, SourceDescriptor Descriptor)
{
    /// <summary>A source from <c>path[:format][:category]</c>, named after its file.</summary>
    public static ListInput FromSpec(SourceSpec spec, bool isAllowlist) =>
        new(spec.Path, new SourceDescriptor(System.IO.Path.GetFileName(spec.Path), spec.Category, spec.Format,
            IsAllowlist: isAllowlist));
}
