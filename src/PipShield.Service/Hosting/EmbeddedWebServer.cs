using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PipShield.Service.Hosting;

/// <summary>
/// The set-up shared by the Kestrel servers that run inside the service (the warning page, DNS-over-HTTPS): no
/// configuration of their own (never <c>ASPNETCORE_*</c> settings), Kestrel's warnings in the service's log but not
/// its per-request lines, and no reaction to Ctrl+C or SIGTERM, which belong to the service host.
/// </summary>
internal static class EmbeddedWebServer
{
    public static WebApplicationBuilder CreateBuilder(ILoggerFactory loggerFactory)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ForwardingLoggerProvider(loggerFactory));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None); // a line per request otherwise
        builder.Services.AddSingleton<IHostLifetime, PassiveLifetime>();
        return builder;
    }

    /// <summary>Hands the server's loggers to the service's logger factory.</summary>
    private sealed class ForwardingLoggerProvider(ILoggerFactory factory) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => factory.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }

    /// <summary>A lifetime that waits for nothing and listens to no signal.</summary>
    private sealed class PassiveLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
