using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PipShield.Service.Hosting;

namespace PipShield.Service.Cli;

/// <summary><c>pipshield run</c>: the resolver service, until stopped (Ctrl+C, SIGTERM, or the service manager).</summary>
internal static class RunCommand
{
    public static Command Create(CliConsole console)
    {
        var listen = new Option<string[]>("--listen") { Description = "Address and port to answer on, e.g. 127.0.0.1:5335 or [::1]:53 (repeatable).", AllowMultipleArgumentsPerToken = false };
        var upstream = new Option<string[]>("--upstream") { Description = "Resolver to forward to: ADDR[:PORT], tls://ADDR[:PORT][#NAME] or https://ADDR[:PORT]/PATH[#NAME] (repeatable)." };
        var image = new Option<string?>("--image") { Description = "A compiled blocklist image to serve (from 'pipshield compile')." };
        var list = new Option<string[]>("--list") { Description = "A list to compile at start, path[:format][:category] (repeatable)." };
        var config = new Option<string?>("--config") { Description = "Configuration file (default: pipshield.json in the working directory, when present)." };
        var command = new Command("run", "Run the resolver (the default when no command is given).") { listen, upstream, image, list, config };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var settings = new RunSettings
            {
                Listen = [.. parseResult.GetValue(listen) ?? []],
                Upstreams = [.. parseResult.GetValue(upstream) ?? []],
                Image = parseResult.GetValue(image),
                Lists = [.. parseResult.GetValue(list) ?? []],
                ConfigFile = parseResult.GetValue(config),
            };
            return await RunAsync(settings, console, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    public static async Task<int> RunAsync(RunSettings settings, CliConsole console, CancellationToken cancellationToken)
    {
        try
        {
            using IHost host = ResolverHost.Build(settings);
            IHostApplicationLifetime lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            try
            {
                await host.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested || cancellationToken.IsCancellationRequested)
            {
                // SIGTERM (or Ctrl+C) before every part had started: an ordinary stop. The resolver may already be
                // answering, so stop what did start, draining its queries, and exit as a stop would.
                using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await host.StopAsync(drain.Token).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (Exception ex) when (ex is StartupException or OptionsValidationException or InvalidOperationException or IOException)
        {
            return console.Fail(ex.Message);
        }
    }
}
