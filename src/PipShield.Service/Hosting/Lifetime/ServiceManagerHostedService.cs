using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PipShield.Service.Hosting.Lifetime;

/// <summary>Says once at start-up which service manager the host is working with, so a silent READY=1 problem
/// shows up in the journal.</summary>
internal sealed class ServiceManagerHostedService(ServiceManager manager, ILoggerFactory loggerFactory) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        ServiceManagerLog.Running(loggerFactory.CreateLogger("PipShield.Service"), manager);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
