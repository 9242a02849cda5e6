using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PipShield.Service.BlockPage;
using PipShield.Service.Hosting;

namespace PipShield.Service.Cli;

/// <summary><c>pipshield blockpage ca</c>: creates the warning page's own CA if needed and prints its certificate.</summary>
internal static class BlockPageCommand
{
    public static Command Create(CliConsole console)
    {
        var config = new Option<string?>("--config") { Description = "Configuration file (default pipshield.json when present); its Lists:StateDirectory says where the CA lives." };
        var stateDirectory = new Option<string?>("--state-dir") { Description = "State directory, instead of the configured one." };
        var ca = new Command("ca", "Create the warning page's certificate authority if it does not exist, and print its certificate (PEM) for device enrolment. The private key stays in the state directory.")
        {
            config, stateDirectory,
        };
        ca.SetAction(parseResult => PrintCa(parseResult.GetValue(config), parseResult.GetValue(stateDirectory), console));
        return new Command("blockpage", "Work with the warning page.") { ca };
    }

    /// <returns>0 with the CA certificate on standard output; otherwise an error on standard error.</returns>
    public static int PrintCa(string? configFile, string? stateDirectory, CliConsole console)
    {
        try
        {
            using IHost host = ResolverHost.Build(new RunSettings { ConfigFile = configFile });
            BlockPageOptions page = host.Services.GetRequiredService<IOptions<BlockPageOptions>>().Value;
            string directory = BlockPageCa.DirectoryFor(stateDirectory ?? host.Services.GetRequiredService<IOptions<ListsOptions>>().Value.StateDirectory);
            using BlockPageCa ca = BlockPageCa.LoadOrCreate(directory, page, TimeProvider.System, logger: null);
            console.Out.Write(ca.Certificate.ExportCertificatePem() + "\n");
            console.Note($"CA certificate {ca.CertificatePath}, valid until {ca.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}; set BlockPage:OwnCa to true to use it. See docs/WARNING-PAGE.md before enrolling devices.");
            return ExitCodes.Success;
        }
        catch (Exception ex) when (ex is StartupException or OptionsValidationException or InvalidOperationException or IOException)
        {
            return console.Fail(ex.Message);
        }
    }
}
