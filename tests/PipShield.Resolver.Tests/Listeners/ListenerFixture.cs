using System.Net;
using PipShield.Blocklist.Compiling;
using PipShield.Blocklist.Lookup;
using PipShield.Blocklist.Parsing;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Server;
using PipShield.Resolver.Stages.Admission;
using PipShield.Resolver.Stages.Policy;

namespace PipShield.Resolver.Tests.Listeners;

/// <summary>A real <see cref="ResolverServer"/> on a loopback port of its own (<see cref="TestPorts"/>), with a tiny blocklist and a <see cref="ScriptedStage"/> behind it.</summary>
internal sealed class ListenerFixture : IAsyncDisposable
{
    private readonly ImageHolder _images;

    private ListenerFixture(ResolverServer server, ImageHolder images, ScriptedStage stage)
    {
        Server = server;
        _images = images;
        Stage = stage;
    }

    public ResolverServer Server { get; }

    public ScriptedStage Stage { get; }

    /// <summary>The first bound address (UDP and TCP).</summary>
    public IPEndPoint EndPoint => Server.EndPoints[0];

    public static ListenerFixture Start(Action<ResolverServerOptions>? configure = null, params string[] listen)
    {
        var compiler = new BlocklistCompiler();
        compiler.AddSource(new SourceDescriptor("test-feed", "phishing", ListFormat.Domains), new StringReader("phish.example.net\n"));
        var images = new ImageHolder(BlocklistImage.FromBytes(compiler.ToArray()));
        var stage = new ScriptedStage();
        QueryPipeline pipeline = PipelineBuilder.Build(AccessControlList.PrivateNetworks, images, new PolicyOptions(), cache: null,
            upstream: stage, responseStages: []);
        var options = new ResolverServerOptions { ListenEndPoints = listen.Length > 0 ? [.. listen] : [TestPorts.Loopback()] };
        configure?.Invoke(options);
        return new ListenerFixture(ResolverServer.Start(pipeline, options), images, stage);
    }

    public async ValueTask DisposeAsync()
    {
        Stage.Release();
        await Server.DisposeAsync();
        _images.Dispose();
    }
}
