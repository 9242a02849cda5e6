using PipShield.Blocklist.Compiling;
using PipShield.Blocklist.Lookup;
using PipShield.Blocklist.Parsing;

namespace PipShield.Service.Tests.Firewall;

/// <summary>Small images compiled in memory for the firewall tests.</summary>
internal static class FirewallImages
{
    public static byte[] CompileBytes(string blocked, string? allowed = null, ListFormat format = ListFormat.Ip, string? moreBlocked = null)
    {
        var compiler = new BlocklistCompiler();
        compiler.AddSource(new SourceDescriptor("test-ips", "malware", format), new StringReader(blocked));
        if (moreBlocked is not null)
        {
            compiler.AddSource(new SourceDescriptor("test-c2", "c2", ListFormat.Ip), new StringReader(moreBlocked));
        }

        if (allowed is not null)
        {
            compiler.AddSource(new SourceDescriptor("test-allow", "allowlist", ListFormat.Ip, IsAllowlist: true), new StringReader(allowed));
        }

        return compiler.ToArray();
    }

    public static BlocklistImage Compile(string blocked, string? allowed = null, ListFormat format = ListFormat.Ip, string? moreBlocked = null) =>
        BlocklistImage.FromBytes(CompileBytes(blocked, allowed, format, moreBlocked));
}
