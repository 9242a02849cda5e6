using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using PipShield.Resolver.Server;

namespace PipShield.Resolver.Tests.Listeners;

public sealed partial class ResolverServerOptionsTests
{
    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1:53")]
    [InlineData("0.0.0.0:5353", "0.0.0.0:5353")]
    [InlineData("::1", "[::1]:53")]
    [InlineData("[::]", "[::]:53")]
    [InlineData("[2001:db8::1]:853", "[2001:db8::1]:853")]
    [InlineData(" 192.0.2.1:0 ", "192.0.2.1:0")]
    public void TryParseEndPoint_ReadsAddressAndOptionalPort(string text, string expected)
    {
        Assert.True(ResolverServerOptions.TryParseEndPoint(text, out IPEndPoint? endPoint));
        Assert.Equal(expected, endPoint!.ToString());
    }

    [Theory]
    [InlineData("example.org:53")]
    [InlineData("192.0.2.1:99999")]
    [InlineData("")]
    public void TryParseEndPoint_RejectsWhatIsNotAnAddress(string text) =>
        Assert.False(ResolverServerOptions.TryParseEndPoint(text, out _));

    [Fact]
    public void Validate_NamesEveryBadKey()
    {
        var options = new ResolverServerOptions
        {
            ListenEndPoints = ["127.0.0.1:53", "nowhere"],
            UdpReceiveThreads = 0,
            MaxUdpResponseSize = 100,
            MaxTcpConnections = 10,
            MaxTcpConnectionsPerClient = 20,
            TcpIdleTimeout = TimeSpan.Zero,
        };

        string errors = string.Join("\n", options.Validate());

        Assert.Contains("Resolver:Server:ListenEndPoints:1: 'nowhere'", errors);
        Assert.Contains("Resolver:Server:UdpReceiveThreads", errors);
        Assert.Contains("Resolver:Server:MaxUdpResponseSize", errors);
        Assert.Contains("Resolver:Server:MaxTcpConnectionsPerClient", errors);
        Assert.Contains("Resolver:Server:TcpIdleTimeout", errors);
        Assert.Empty(new ResolverServerOptions().Validate());
    }

    [Fact]
    public void ReadmeExample_BindsAndValidates()
    {
        string readme = File.ReadAllText(FindRepositoryFile("src/PipShield.Resolver/Server/README.md"));
        string json = JsonBlock().Match(readme).Groups[1].Value;

        JsonElement section = JsonDocument.Parse(json).RootElement.GetProperty("Resolver").GetProperty("Server");
        var options = section.Deserialize<ResolverServerOptions>()!;

        Assert.Empty(options.Validate());
        Assert.Equal(3, options.ListenEndPoints.Count);
        Assert.Equal(TimeSpan.FromSeconds(3), options.TcpIdleTimeout);
    }

    [Fact]
    public async Task Start_WithInvalidOptions_ThrowsNamingTheKey()
    {
        await using var fixture = ListenerFixture.Start();
        var pipeline = new PipShield.Resolver.Pipeline.QueryPipeline([], []);

        var error = Assert.Throws<ArgumentException>(() => ResolverServer.Start(pipeline, new ResolverServerOptions { UdpReceiveThreads = 0 }));
        Assert.Contains("Resolver:Server:UdpReceiveThreads", error.Message);
        var taken = Assert.Throws<System.Net.Sockets.SocketException>(() =>
            ResolverServer.Start(pipeline, new ResolverServerOptions { ListenEndPoints = [fixture.EndPoint.ToString()] }));
        Assert.Equal(System.Net.Sockets.SocketError.AddressAlreadyInUse, taken.SocketErrorCode);
    }

    internal static string FindRepositoryFile(string relativePath)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(relativePath);
    }

    [GeneratedRegex("```json\\s*(\\{.*?\\})\\s*```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
