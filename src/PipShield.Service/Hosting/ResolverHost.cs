using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PipShield.Resolver.Server;
using PipShield.Resolver.Stages.Cache;
using PipShield.Resolver.Stages.Policy;
using PipShield.Resolver.Stages.RateLimit;
using PipShield.Resolver.Upstream;
using PipShield.Service.Alerts;
using PipShield.Service.BlockPage;
using PipShield.Service.Devices;
using PipShield.Service.Doh;
using PipShield.Service.Feeds;
using PipShield.Service.Firewall;
using PipShield.Service.Hosting.Lifetime;
using PipShield.Service.QueryLog;

namespace PipShield.Service.Hosting;

/// <summary>
/// Builds the service host. Configuration, lowest precedence first: the embedded defaults, <c>pipshield.json</c>
/// (or <c>--config FILE</c>), <c>PIPSHIELD__…</c> environment variables, then the command-line options.
/// </summary>
internal static class ResolverHost
{
    public const string DefaultConfigFile = "pipshield.json";

    /// <summary>Where the service answers unless configured: loopback only, on a port that needs no privilege.</summary>
    public static readonly string[] DefaultListenEndPoints = ["127.0.0.1:5335", "[::1]:5335"];

    /// <summary>Where DNS-over-TLS answers once a certificate is configured, unless configured: loopback, RFC 7858's port.</summary>
    public static readonly string[] DefaultTlsEndPoints = ["127.0.0.1:853", "[::1]:853"];

    /// <summary>Clients free of response-rate limiting unless configured: the host itself.</summary>
    public static readonly string[] DefaultRateLimitExempt = ["127.0.0.0/8", "::1/128"];

    /// <summary>Every configuration section the service reads; anything else in a configuration file is a mistake.</summary>
    public static readonly string[] Sections =
    [
        ResolverServerOptions.SectionName, UpstreamOptions.SectionName, CacheOptions.SectionName, PolicyOptions.SectionName,
        RateLimitOptions.SectionName, AccessControlOptions.SectionName, ListsOptions.SectionName, FeedsOptions.SectionName,
        QueryLogOptions.SectionName, BlockPageOptions.SectionName, FirewallOptions.SectionName, AlertsOptions.SectionName,
        DevicesOptions.SectionName, DohOptions.SectionName, "Logging",
    ];

    public static IHost Build(RunSettings settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = AppContext.BaseDirectory,
        });

        builder.Configuration.Sources.Clear();
        Stream defaults = Assembly.GetExecutingAssembly().GetManifestResourceStream("PipShield.Service.defaults.json")
            ?? throw new InvalidOperationException("The embedded default configuration is missing from this build.");
        builder.Configuration.AddJsonStream(defaults);
        if (settings.ConfigFile is { } file)
        {
            if (!File.Exists(file))
            {
                throw new StartupException($"--config: {file} does not exist");
            }

            builder.Configuration.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
        }
        else
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(DefaultConfigFile), optional: true, reloadOnChange: false);
        }

        builder.Configuration.AddEnvironmentVariables("PIPSHIELD__");
        builder.Configuration.AddInMemoryCollection(settings.Overrides);

        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        ServiceManagers.Add(builder.Services); // after the console set-up: systemd's log format replaces it

        // Lists are defaulted here, not in defaults.json: configuration merges arrays by position, so a file naming
        // one listen address would otherwise keep the default's second one.
        Bind<ResolverServerOptions>(builder.Services, ResolverServerOptions.SectionName, o =>
        {
            if (settings.Listen.Count > 0)
            {
                o.ListenEndPoints = [.. settings.Listen];
            }
            else if (o.ListenEndPoints.Count == 0)
            {
                o.ListenEndPoints = [.. DefaultListenEndPoints];
            }

            if (o.Tls.IsConfigured && o.TlsEndPoints.Count == 0)
            {
                o.TlsEndPoints = [.. DefaultTlsEndPoints];
            }
        });
        Bind<UpstreamOptions>(builder.Services, UpstreamOptions.SectionName, o =>
        {
            if (settings.Upstreams.Count > 0)
            {
                o.Servers = [.. settings.Upstreams];
            }
        });
        Bind<CacheOptions>(builder.Services, CacheOptions.SectionName, null);
        Bind<PolicyOptions>(builder.Services, PolicyOptions.SectionName, null);
        Bind<RateLimitOptions>(builder.Services, RateLimitOptions.SectionName, o =>
        {
            if (o.Exempt.Count == 0)
            {
                o.Exempt = [.. DefaultRateLimitExempt];
            }
        });
        Bind<AccessControlOptions>(builder.Services, AccessControlOptions.SectionName, null);
        Bind<ListsOptions>(builder.Services, ListsOptions.SectionName, o =>
        {
            // Lists given on the command line replace the configured ones rather than adding to them.
            if (settings.Image is not null)
            {
                o.Image = settings.Image;
            }

            if (settings.Lists.Count > 0)
            {
                o.SourcesFile = null;
                o.Image = settings.Image;
                o.Sources = [.. settings.Lists];
            }
        });

        Bind<QueryLogOptions>(builder.Services, QueryLogOptions.SectionName, null);
        Bind<FeedsOptions>(builder.Services, FeedsOptions.SectionName, null);
        Bind<FirewallOptions>(builder.Services, FirewallOptions.SectionName, null);
        Bind<AlertsOptions>(builder.Services, AlertsOptions.SectionName, null);
        AlertsServices.Add(builder.Services); // before the resolver: alerts start first and stop last

        Bind<DevicesOptions>(builder.Services, DevicesOptions.SectionName, null);
        builder.Services.AddDevices(); // before the resolver: it names plain-DNS clients from the store

        builder.Services.AddSingleton<ResolverHostedService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ResolverHostedService>());
        // After the resolver: feeds refresh in the background and never hold up start-up.
        builder.Services.AddFeedHttpClient();
        builder.Services.AddSingleton<FeedRefreshService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<FeedRefreshService>());
        Bind<BlockPageOptions>(builder.Services, BlockPageOptions.SectionName, o =>
        {
            if (o.HttpEndPoints.Count == 0)
            {
                o.HttpEndPoints = ["127.0.0.1:80", "[::1]:80"];
            }

            if (o.HttpsEndPoints.Count == 0)
            {
                o.HttpsEndPoints = ["127.0.0.1:443", "[::1]:443"];
            }
        });
        builder.Services.AddBlockPage(builder.Configuration); // after the resolver: the page reads its lists
        builder.Services.AddSingleton<FirewallHostedService>(); // after the resolver: starts once the lists are loaded
        builder.Services.AddHostedService(sp => sp.GetRequiredService<FirewallHostedService>());
        Bind<DohOptions>(builder.Services, DohOptions.SectionName, null);
        builder.Services.AddSingleton<IValidateOptions<DohOptions>, DohOptionsValidator>();
        builder.Services.AddSingleton<DohHostedService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DohHostedService>()); // after the resolver it asks
        settings.Services?.Invoke(builder.Services);
        return builder.Build();
    }

    private static void Bind<T>(IServiceCollection services, string section, Action<T>? commandLine)
        where T : class
    {
        OptionsBuilder<T> options = services.AddOptions<T>().Configure<IConfiguration>((o, configuration) =>
        {
            IConfigurationSection settings = configuration.GetSection(section);
            try
            {
                settings.Bind(o, b => b.ErrorOnUnknownConfiguration = true);
            }
            catch (InvalidOperationException) when (UnknownSetting(settings) is { } unknown)
            {
                // The binder names only the property and the class; name the whole key, as the other checks do.
                throw new InvalidOperationException($"{unknown}: not a setting PipShield knows");
            }
        });
        if (commandLine is not null)
        {
            options.PostConfigure(commandLine);
        }

        services.AddSingleton<IValidateOptions<T>>(new SectionValidator<T>(section));
        options.ValidateOnStart();
    }

    private static string? UnknownSetting(IConfigurationSection settings) =>
        SettingsOf(settings.Path) is { } known
            ? settings.GetChildren().FirstOrDefault(c => !known.Contains(c.Key, StringComparer.OrdinalIgnoreCase))?.Path
                ?? settings.GetChildren().Select(UnknownSetting).FirstOrDefault(path => path is not null) // nested sections (Resolver:Server:Tls)
            : null;

    /// <summary>Data-annotation checks whose failures name the key: <c>Resolver:Cache:MaxEntries: …</c>.</summary>
    private sealed class SectionValidator<T>(string section) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var results = new List<ValidationResult>();
            if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
            {
                return ValidateOptionsResult.Success;
            }

            return ValidateOptionsResult.Fail(results.Select(r =>
                $"{section}:{string.Join(",", r.MemberNames)}: {r.ErrorMessage ?? "a value is out of range"}"));
        }
    }

    private const string TlsSection = ResolverServerOptions.SectionName + ":Tls";

    /// <summary>The settings of a section (the public properties of its options class); null for one without a class.</summary>
    public static IEnumerable<string>? SettingsOf(string section) => section.Equals(TlsSection, StringComparison.OrdinalIgnoreCase)
        ? Properties<PipShield.Resolver.Listeners.Tls.TlsOptions>()
        : section switch
    {
        ResolverServerOptions.SectionName => Properties<ResolverServerOptions>(),
        UpstreamOptions.SectionName => Properties<UpstreamOptions>(),
        CacheOptions.SectionName => Properties<CacheOptions>(),
        PolicyOptions.SectionName => Properties<PolicyOptions>(),
        RateLimitOptions.SectionName => Properties<RateLimitOptions>(),
        AccessControlOptions.SectionName => Properties<AccessControlOptions>(),
        ListsOptions.SectionName => Properties<ListsOptions>(),
        QueryLogOptions.SectionName => Properties<QueryLogOptions>(),
        FeedsOptions.SectionName => Properties<FeedsOptions>(),
        BlockPageOptions.SectionName => Properties<BlockPageOptions>(),
        FirewallOptions.SectionName => Properties<FirewallOptions>(),
        AlertsOptions.SectionName => Properties<AlertsOptions>(),
        DevicesOptions.SectionName => Properties<DevicesOptions>(),
        DohOptions.SectionName => Properties<DohOptions>(),
        _ => null,
    };

    private static IEnumerable<string> Properties<T>() =>
        typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name);
}
