using System.Collections.Concurrent;
using PipShield.Service.Alerts;

namespace PipShield.Service.Tests.Firewall;

/// <summary>Keeps every alert signal it is given.</summary>
internal sealed class RecordingReporter : IAlertReporter
{
    public ConcurrentQueue<AlertSignal> Signals { get; } = new();

    public void Report(in AlertSignal signal) => Signals.Enqueue(signal);
}
