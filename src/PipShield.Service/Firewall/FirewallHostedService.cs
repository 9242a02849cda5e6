using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PipShield.Blocklist.Lookup;
using PipShield.Resolver.Stages.Policy;
using PipShield.Resolver.Upstream;
using PipShield.Service.Alerts;
using PipShield.Service.Hosting;

namespace PipShield.Service.Firewall;

/// <summary>
/// Keeps the firewall rules in step with the lists: applies them once the resolver has started, again after every
/// list update, and reads the hits sets for alerts. Registered after <see cref="ResolverHostedService"/>, so it
/// starts after the lists are loaded and stops before the resolver does. A firewall failure is logged; DNS goes on.
/// </summary>
internal sealed class FirewallHostedService(
    IOptions<FirewallOptions> firewall,
    IOptions<UpstreamOptions> upstream,
    ResolverHostedService resolver,
    IServiceProvider services,
    ILoggerFactory loggerFactory) : IHostedService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("PipShield.Firewall");

    // One pending "apply" at most: updates that arrive while one is applied are folded into the next.
    private readonly Channel<bool> _updates = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();
    private FirewallEnforcer? _enforcer;
    private Task _applying = Task.CompletedTask;
    private Task _polling = Task.CompletedTask;
    private long _applied;

    /// <summary>The result of the last apply; null before the first finishes.</summary>
    public ToolRun? LastRun { get; private set; }

    /// <summary>How many applies have finished, successful or not.</summary>
    public long AppliedCount => Interlocked.Read(ref _applied);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        FirewallOptions options = firewall.Value;
        if (!options.Enabled || resolver.Reloader is not { } reloader)
        {
            return Task.CompletedTask;
        }

        IFirewallBackend backend = FirewallEnforcer.BackendFor(options);
        _enforcer = new FirewallEnforcer(options, backend, FirewallEnforcer.UpstreamAddresses(upstream.Value), _logger);
        FirewallLog.Configured(_logger, backend.Name, options.Mode, options.Action, options.KeepWhenStopped, options.StopDnsBypass, options.BypassAction);
        reloader.Swapped += OnSwapped;
        _updates.Writer.TryWrite(true); // the image loaded at start-up
        _applying = ApplyLoopAsync(reloader.Images, _stopping.Token);

        if (backend is NftBackend nft)
        {
            if (services.GetService<IAlertReporter>() is { } reporter)
            {
                var poller = new FirewallHitPoller(nft, reloader.Images, reporter, TimeProvider.System, _logger);
                _polling = PollLoopAsync(poller, options.HitPollInterval, _stopping.Token);
            }
            else
            {
                FirewallLog.NoAlertReporter(_logger);
            }
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_enforcer is null)
        {
            return;
        }

        if (resolver.Reloader is { } reloader)
        {
            reloader.Swapped -= OnSwapped;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await Quietly(_applying).ConfigureAwait(false);
        await Quietly(_polling).ConfigureAwait(false);
        if (firewall.Value.KeepWhenStopped)
        {
            FirewallLog.KeptWhenStopped(_logger);
        }
        else
        {
            await _enforcer.RemoveAsync(cancellationToken).ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private void OnSwapped(BlocklistImage image) => _updates.Writer.TryWrite(true);

    private async Task ApplyLoopAsync(ImageHolder images, CancellationToken cancellationToken)
    {
        while (await _updates.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            _updates.Reader.TryRead(out _);
            try
            {
                FirewallTargets targets;
                using (ImageHolder.Lease lease = images.Acquire())
                {
                    targets = _enforcer!.Targets(lease.Image); // the newest image, however many updates were folded
                }

                LastRun = await _enforcer.ApplyAsync(targets, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A bug, not a tool failure (those come back as a ToolRun): log it and wait for the next update.
                LastRun = new ToolRun(ToolOutcome.Failed, -1, string.Empty, ex.Message);
                FirewallLog.ApplyFailed(_logger, _enforcer!.Backend.Name, ex.ToString());
            }

            Interlocked.Increment(ref _applied);
        }
    }

    private static async Task PollLoopAsync(FirewallHitPoller poller, TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            await poller.PollAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
