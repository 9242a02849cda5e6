namespace PipShield.Service.Tests.Cli;

/// <summary>The sample lists compiled once, shared by the tests of a class.</summary>
public sealed class SampleImageFixture : IDisposable
{
    public SampleImageFixture()
    {
        Workspace = new CliWorkspace();
        Compile = Workspace.CompileSamples();
        if (Compile.ExitCode != 0)
        {
            throw new InvalidOperationException("Compiling the samples failed: " + Compile);
        }

        ImagePath = Workspace.PathOf("lists.pipbl");
    }

    public CliWorkspace Workspace { get; }

    public CliRun Compile { get; }

    public string ImagePath { get; }

    public void Dispose() => Workspace.Dispose();
}
