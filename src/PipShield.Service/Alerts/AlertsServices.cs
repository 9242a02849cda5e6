using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using PipShield.Service.Hosting;
using PipShield.Service.QueryLog;

namespace PipShield.Service.Alerts;

/// <summary>Registers the alert reporter, its webhook client and the C2 query observer.</summary>
internal static class AlertsServices
{
    /// <summary>Retries after the first failed webhook attempt; with backoff they span about half a minute by default.</summary>
    public const int WebhookRetries = 3;

    /// <summary>Adds the <see cref="IAlertReporter"/> (one instance, also a hosted service) and what it needs. Register
    /// before the resolver's hosted service, so alerts start before queries arrive and stop after they end.</summary>
    public static void Add(IServiceCollection services)
    {
        services.AddHttpClient(AlertWebhook.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // A redirect would carry device addresses somewhere the configuration did not name.
                AllowAutoRedirect = false,
                UseCookies = false,
            })
            .AddResilienceHandler("alerts-webhook", (pipeline, context) =>
            {
                AlertsOptions options = context.ServiceProvider.GetRequiredService<IOptions<AlertsOptions>>().Value;
                pipeline.AddTimeout(options.WebhookTimeout * (WebhookRetries + 1) + options.RetryDelay * (1 << (WebhookRetries + 1)));
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = WebhookRetries,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = options.RetryDelay,
                    MaxDelay = TimeSpan.FromMinutes(1),
                });
                pipeline.AddTimeout(options.WebhookTimeout);
            });

        services.AddSingleton(Create);
        services.AddSingleton<IAlertReporter>(sp => sp.GetRequiredService<AlertReporter>());
        services.AddHostedService(sp => sp.GetRequiredService<AlertReporter>());
        services.AddSingleton<IBlockObserver>(sp =>
            new C2QueryObserver(sp.GetRequiredService<AlertReporter>(), sp.GetRequiredService<IOptions<AlertsOptions>>().Value));
    }

    private static AlertReporter Create(IServiceProvider services)
    {
        AlertsOptions options = services.GetRequiredService<IOptions<AlertsOptions>>().Value;
        ILoggerFactory loggers = services.GetRequiredService<ILoggerFactory>();
        ILogger logger = loggers.CreateLogger("PipShield.Alerts");
        AlertWebhook? webhook = options.Enabled && options.WebhookUrl is { Length: > 0 }
            ? new AlertWebhook(options, services.GetRequiredService<IHttpClientFactory>(), logger)
            : null;
        ListsOptions lists = services.GetRequiredService<IOptions<ListsOptions>>().Value;
        return new AlertReporter(options, options.EffectiveHistoryFile(StateDirectory(lists)), webhook, logger, services.GetService<TimeProvider>());
    }

    /// <summary>Where the service keeps its files: <c>Lists:StateDirectory</c>, else a <c>pipshield</c> folder in the temp directory.</summary>
    public static string StateDirectory(ListsOptions lists) => ImageLoader.StateDirectoryOf(lists);
}
