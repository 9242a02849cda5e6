using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PipShield.Resolver.Listeners.Tls;
using PipShield.Resolver.Server;
using PipShield.Resolver.Stages.Admission;
using PipShield.Resolver.Upstream;
using PipShield.Service.BlockPage;
using PipShield.Service.Hosting;

namespace PipShield.Service.Cli;

/// <summary><c>pipshield config check FILE</c>: validates a configuration file as the service would, without starting anything.</summary>
internal static class ConfigCommand
{
    public static Command Create(CliConsole console)
    {
        var file = new Argument<string>("FILE") { Description = "The configuration file to check (pipshield.json format)." };
        var check = new Command("check", "Validate a configuration file: every key known, every value in range. Starts nothing.") { file };
        check.SetAction(parseResult => Check(parseResult.GetValue(file)!, console));
        return new Command("config", "Work with configuration files.") { check };
    }

    /// <returns>0 when the file is valid; otherwise 2, with one line per problem on standard error.</returns>
    public static int Check(string path, CliConsole console)
    {
        var problems = new List<string>();
        try
        {
            CliFiles.RequireFile(path, "configuration file");
            problems.AddRange(UnknownSettings(path));
            if (problems.Count == 0)
            {
                problems.AddRange(Validate(path));
            }
        }
        catch (Exception ex) when (ex is CliException or StartupException or InvalidOperationException or InvalidDataException or IOException)
        {
            return console.Fail(ex.Message);
        }

        if (problems.Count == 0)
        {
            console.Out.WriteLine($"{path}: valid");
            return ExitCodes.Success;
        }

        foreach (string problem in problems)
        {
            console.Error.WriteLine($"pipshield: {path}: {CliConsole.OneLine(problem)}");
        }

        return ExitCodes.InvalidInput;
    }

    /// <summary>What the service checks at start-up: option ranges, then the access list's prefixes.</summary>
    private static List<string> Validate(string path)
    {
        var problems = new List<string>();
        using IHost host = ResolverHost.Build(new RunSettings { ConfigFile = path });
        try
        {
            host.Services.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (OptionsValidationException ex)
        {
            problems.AddRange(ex.Failures);
        }
        catch (AggregateException ex)
        {
            problems.AddRange(ex.InnerExceptions.SelectMany(e => e is OptionsValidationException v ? v.Failures : [e.Message]));
        }

        try
        {
            List<string> allow = host.Services.GetRequiredService<IOptions<AccessControlOptions>>().Value.Allow;
            if (allow.Count > 0)
            {
                AccessControlList.Parse(allow); // parsed by the service at start-up, not by options validation
            }
        }
        catch (FormatException ex)
        {
            problems.Add($"{AccessControlOptions.SectionName}:Allow: {ex.Message}");
        }

        if (problems.Count == 0)
        {
            problems.AddRange(CertificateProblems(host.Services));
        }

        return problems;
    }

    /// <summary>
    /// The certificate files the service loads at start-up, opened now, so a missing, unreadable or mismatched file
    /// (a key that is not the certificate's, a PEM that is not one) is found here rather than by <c>run</c>.
    /// </summary>
    private static List<string> CertificateProblems(IServiceProvider services)
    {
        var problems = new List<string>();
        TlsOptions tls = services.GetRequiredService<IOptions<ResolverServerOptions>>().Value.Tls;
        if (tls.IsConfigured)
        {
            try
            {
                ReloadingCertificate.Load(tls, NullLogger.Instance).Dispose();
            }
            catch (ArgumentException ex)
            {
                problems.Add(ex.Message); // names Resolver:Server:Tls:…
            }
        }

        BlockPageOptions page = services.GetRequiredService<IOptions<BlockPageOptions>>().Value;
        if (page.Enabled && page.CertificateFile is not null)
        {
            try
            {
                BlockPageCertificates.Create(page, null, NullLogger.Instance)?.Dispose(); // a configured file only: no CA is made
            }
            catch (StartupException ex)
            {
                problems.Add(ex.Message); // names BlockPage:CertificateFile
            }
        }

        string? caFile = services.GetRequiredService<IOptions<UpstreamOptions>>().Value.CaFile;
        if (!string.IsNullOrWhiteSpace(caFile))
        {
            var roots = new X509Certificate2Collection();
            try
            {
                roots.ImportFromPemFile(caFile);
                if (roots.Count == 0)
                {
                    problems.Add($"{UpstreamOptions.SectionName}:CaFile: '{caFile}' holds no PEM certificate");
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
            {
                problems.Add($"{UpstreamOptions.SectionName}:CaFile: '{caFile}': {ex.Message}");
            }
            finally
            {
                foreach (X509Certificate2 root in roots)
                {
                    root.Dispose();
                }
            }
        }

        return problems;
    }

    /// <summary>Sections and keys the service does not read: a misspelt "Resolvr" or "MaxEntrys" would otherwise be ignored.</summary>
    private static IEnumerable<string> UnknownSettings(string path)
    {
        IConfigurationRoot file = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: false).Build();
        foreach (IConfigurationSection top in file.GetChildren())
        {
            IEnumerable<IConfigurationSection> sections = top.Key.Equals("Resolver", StringComparison.OrdinalIgnoreCase) ? top.GetChildren() : [top];
            foreach (IConfigurationSection section in sections)
            {
                string? known = ResolverHost.Sections.FirstOrDefault(s => s.Equals(section.Path, StringComparison.OrdinalIgnoreCase));
                if (known is null)
                {
                    yield return $"{section.Path}: not a setting PipShield knows";
                    continue;
                }

                if (ResolverHost.SettingsOf(known) is { } settings)
                {
                    foreach (IConfigurationSection key in section.GetChildren())
                    {
                        if (!settings.Contains(key.Key, StringComparer.OrdinalIgnoreCase))
                        {
                            yield return $"{key.Path}: not a setting PipShield knows";
                        }
                    }
                }
            }
        }
    }
}
