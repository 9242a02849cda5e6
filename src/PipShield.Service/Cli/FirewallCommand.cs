using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PipShield.Blocklist.Lookup;
using PipShield.Resolver.Upstream;
using PipShield.Service.Firewall;
using PipShield.Service.Hosting;

namespace PipShield.Service.Cli;

/// <summary>
/// <c>pipshield firewall show|apply|remove</c>: print, apply or remove the firewall rules for the configured lists,
/// with the same configuration the service reads.
/// </summary>
internal static class FirewallCommand
{
    public static Command Create(CliConsole console)
    {
        var firewall = new Command("firewall", "Work with the firewall rules that block traffic to listed IP addresses (nftables on Linux, Windows Firewall on Windows).")
        {
            Sub(console, "show", "Print the ruleset for the configured lists (an nft script, or a PowerShell script on Windows).", FirewallVerb.Show),
            Sub(console, "apply", "Replace PipShield's firewall rules with those for the configured lists.", FirewallVerb.Apply),
            Sub(console, "remove", "Remove PipShield's firewall rules (the nftables table inet pipshield, or the Windows Firewall group PipShield).", FirewallVerb.Remove),
        };
        return firewall;
    }

    private enum FirewallVerb
    {
        Show,
        Apply,
        Remove,
    }

    private static Command Sub(CliConsole console, string name, string description, FirewallVerb verb)
    {
        var config = new Option<string?>("--config") { Description = "The configuration file; default pipshield.json in the working directory when present." };
        var image = new Option<string?>("--image") { Description = "A compiled image to take the IP rules from, instead of the configured lists." };
        var format = new Option<string?>("--format") { Description = "The script to write: nft or powershell. Default: the one for this system." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the script that would run, and change nothing." };
        var command = new Command(name, description) { config, image };
        if (verb == FirewallVerb.Show)
        {
            command.Add(format);
        }
        else
        {
            command.Add(dryRun);
        }

        command.SetAction(parseResult => Run(console, verb, parseResult.GetValue(config), parseResult.GetValue(image),
            parseResult.GetValue(format), parseResult.GetValue(dryRun)));
        return command;
    }

    private static int Run(CliConsole console, FirewallVerb verb, string? configFile, string? imageFile, string? format, bool dryRun)
    {
        try
        {
            using IHost host = ResolverHost.Build(new RunSettings { ConfigFile = configFile, Image = imageFile });
            FirewallOptions options = Value<FirewallOptions>(host);
            IFirewallBackend backend = format switch
            {
                null => FirewallEnforcer.BackendFor(options),
                "nft" => new NftBackend(options),
                "powershell" => new WindowsFirewallBackend(),
                _ => throw new CliException($"--format: '{format}' is not nft or powershell"),
            };
            var enforcer = new FirewallEnforcer(options, backend, FirewallEnforcer.UpstreamAddresses(Value<UpstreamOptions>(host)), NullLogger.Instance);
            if (verb == FirewallVerb.Remove)
            {
                return Execute(console, backend, backend.RenderRemoval(), dryRun, "removed");
            }

            FirewallTargets targets;
            using (BlocklistImage? image = new ImageLoader(Value<ListsOptions>(host), NullLogger.Instance).Load())
            {
                targets = enforcer.Targets(image);
            }

            if (targets.SkippedCount > 0)
            {
                console.Note($"{targets.SkippedCount} listed IP ranges cover addresses that are never blocked and were cut out, e.g. {string.Join(", ", targets.Skipped)}");
            }

            string script = backend.Render(targets);
            if (verb == FirewallVerb.Show)
            {
                console.Out.Write(script);
                return ExitCodes.Success;
            }

            if (!options.Enabled && !dryRun)
            {
                console.Note($"{FirewallOptions.SectionName}:Enabled is false, so the service will not keep these rules up to date");
            }

            return Execute(console, backend, script, dryRun, $"applied: {targets.Ipv4.Count} IPv4 and {targets.Ipv6.Count} IPv6 ranges blocked");
        }
        catch (OptionsValidationException ex)
        {
            return console.Fail(string.Join("; ", ex.Failures));
        }
        catch (Exception ex) when (ex is CliException or StartupException or InvalidOperationException or InvalidDataException or IOException)
        {
            return console.Fail(ex.Message);
        }
    }

    private static int Execute(CliConsole console, IFirewallBackend backend, string script, bool dryRun, string done)
    {
        if (dryRun)
        {
            console.Out.Write(script);
            return ExitCodes.Success;
        }

        ToolRun run = backend.RunAsync(script, CancellationToken.None).GetAwaiter().GetResult();
        if (!run.Succeeded)
        {
            return console.Fail($"{backend.Name}: {run.Problem}");
        }

        console.Out.WriteLine($"{backend.Name} rules {done}");
        return ExitCodes.Success;
    }

    private static T Value<T>(IHost host)
        where T : class => host.Services.GetRequiredService<IOptions<T>>().Value;
}
