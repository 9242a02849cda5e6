using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PipShield.Service.Alerts;
using PipShield.Service.Hosting;

namespace PipShield.Service.Tests.Alerts;

/// <summary>The alert reporter as the service registers it (options, webhook client with its retries, history
/// file in a temporary state folder), started, with every log event recorded.</summary>
internal sealed class AlertRig : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private bool _stopped;

    private AlertRig(ServiceProvider services, RecordingLoggerProvider log, string folder)
    {
        _services = services;
        Log = log;
        Folder = folder;
        Reporter = services.GetRequiredService<AlertReporter>();
    }

    public AlertReporter Reporter { get; }

    public RecordingLoggerProvider Log { get; }

    public string Folder { get; }

    public string HistoryPath => Reporter.HistoryPath;

    public static async Task<AlertRig> StartAsync(Action<AlertsOptions>? configure = null, TimeProvider? time = null)
    {
        string folder = Path.Combine(Path.GetTempPath(), "pipshield-alerts-" + Guid.NewGuid().ToString("N"));
        var log = new RecordingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Trace));
        services.AddOptions<AlertsOptions>().Configure(o =>
        {
            o.RetryDelay = TimeSpan.FromMilliseconds(50);
            configure?.Invoke(o);
        });
        services.AddOptions<ListsOptions>().Configure(o => o.StateDirectory = folder);
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        AlertsServices.Add(services);
        var rig = new AlertRig(services.BuildServiceProvider(), log, folder);
        await rig.Reporter.StartAsync(TestContext.Current.CancellationToken);
        return rig;
    }

    /// <summary>Writes what is queued to the history file, giving the webhook <paramref name="grace"/> to finish.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        using var timeout = new CancellationTokenSource(grace);
        await Reporter.StopAsync(timeout.Token);
        _stopped = true;
    }

    /// <summary>The history, oldest first (the previous file, then the current one).</summary>
    public List<JsonElement> History() =>
        [.. new[] { AlertHistory.Previous(HistoryPath), HistoryPath }.Where(File.Exists)
            .SelectMany(File.ReadAllLines)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            await StopAsync(TimeSpan.Zero);
        }

        await _services.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
