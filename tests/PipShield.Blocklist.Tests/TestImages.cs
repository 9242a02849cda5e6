using PipShield.Blocklist.Compiling;
using PipShield.Blocklist.Lookup;
using PipShield.Blocklist.Names;
using PipShield.Blocklist.Parsing;

namespace PipShield.Blocklist.Tests;

/// <summary>Compiles small in-memory lists for tests.</summary>
internal static class TestImages
{
    public static readonly DateTimeOffset FixedTime = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public static byte[] CompileBytes(params (string Text, ListFormat Format)[] sources) =>
        CompileBytes(sources.Select((s, i) => (s.Text, new SourceDescriptor($"list{i}", "test", s.Format))).ToArray());

    public static byte[] CompileBytes(params (string Text, SourceDescriptor Source)[] sources)
    {
        var compiler = new BlocklistCompiler(new CompilerOptions { BuildTime = FixedTime });
        foreach (var (text, source) in sources)
        {
            compiler.AddSource(source, new StringReader(text));
        }

        return compiler.ToArray();
    }

    public static BlocklistImage Compile(params (string Text, ListFormat Format)[] sources) =>
        BlocklistImage.FromBytes(CompileBytes(sources));

    public static BlocklistImage Compile(params (string Text, SourceDescriptor Source)[] sources) =>
        BlocklistImage.FromBytes(CompileBytes(sources));

    public static BlocklistImage Domains(string text) => Compile((text, ListFormat.Domains));

    public static byte[] Wire(string name)
    {
        var buffer = new byte[DomainName.MaxWireLength + 1];
        int length = DomainName.WriteWire(name, buffer);
        Assert.True(length > 0, $"'{name}' has no wire form");
        return buffer[..length];
    }
}
