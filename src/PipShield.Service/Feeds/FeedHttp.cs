using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PipShield.Resolver.Upstream;
using Polly;

namespace PipShield.Service.Feeds;

/// <summary>The HTTP client feeds are downloaded with: own name resolution, decompression, retries and timeouts.</summary>
internal static class FeedHttp
{
    public const string ClientName = "PipShield.Feeds";

    /// <summary>Registers the named client <see cref="ClientName"/> with <see cref="IHttpClientFactory"/>.</summary>
    public static IServiceCollection AddFeedHttpClient(this IServiceCollection services)
    {
        // One resolver (and its upstream connections) for every handler the factory makes; the container disposes it.
        services.AddSingleton(sp => new FeedHostResolver(
            sp.GetRequiredService<IOptions<UpstreamOptions>>().Value, sp.GetService<ILoggerFactory>()?.CreateLogger<FeedHostResolver>()));
        services.AddHttpClient(ClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => CreateHandler(sp.GetRequiredService<FeedHostResolver>()))
            .ConfigureHttpClient((sp, client) =>
            {
                FeedsOptions options = sp.GetRequiredService<IOptions<FeedsOptions>>().Value;
                client.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
                // The resilience pipeline times each attempt, and the downloader times the body.
                client.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
            })
            .AddResilienceHandler("feeds", (pipeline, context) =>
            {
                FeedsOptions options = context.ServiceProvider.GetRequiredService<IOptions<FeedsOptions>>().Value;
                if (options.RetryCount > 0)
                {
                    // The default predicate retries only transient failures: network errors, timeouts, 408, 429 and 5xx.
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = options.RetryCount,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = options.RetryDelay,
                    });
                }

                pipeline.AddTimeout(options.Timeout);
            });
        return services;
    }

    private static SocketsHttpHandler CreateHandler(FeedHostResolver resolver)
    {
        return new SocketsHttpHandler
        {
            ConnectCallback = resolver.ConnectAsync,
            AutomaticDecompression = DecompressionMethods.All,
            // A proxy would be resolved by the system resolver, which is what this client avoids.
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
    }
}
