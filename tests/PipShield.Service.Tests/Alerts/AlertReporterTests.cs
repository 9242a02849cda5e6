using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using PipShield.Service.Alerts;

namespace PipShield.Service.Tests.Alerts;

/// <summary>Which signals become alerts, and what each alert says, in the log and in the history file.</summary>
public sealed class AlertReporterTests
{
    private static readonly TimeSpan NoGrace = TimeSpan.Zero;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Burst_FromOneDevice_RaisesOneAlert_AndItsCountAndLastSeenShowInTheRepeat()
    {
        await using AlertRig rig = await AlertRig.StartAsync(time: _time);
        DateTimeOffset first = _time.GetUtcNow();
        for (int i = 0; i < 5; i++)
        {
            rig.Reporter.Report(C2("192.0.2.7"));
            _time.Advance(TimeSpan.FromMinutes(10)); // 0..40 minutes: all inside the default one-hour window
        }

        RecordingLoggerProvider.Entry alert = Assert.Single(rig.Log.Alerts);
        Assert.Equal(LogLevel.Warning, alert.Level);
        Assert.Equal("192.0.2.7", alert["Device"]);
        Assert.Equal("c2-query", alert["Kind"]);
        Assert.Equal("c2.example.net", alert["Rule"]);
        Assert.Equal("c2", alert["Category"]);
        Assert.Equal("test-c2", alert["Source"]);
        Assert.Equal("1", alert["Count"]);

        _time.Advance(TimeSpan.FromMinutes(30)); // 80 minutes after the alert: the window has rolled over
        rig.Reporter.Report(C2("192.0.2.7"));
        await rig.StopAsync(NoGrace);

        Assert.Equal(2, rig.Log.Alerts.Count);
        List<JsonElement> all = rig.History();

        // When the window ended the count so far may have been recorded as an update, before the repeat.
        Assert.All(all.Where(IsUpdate), u => Assert.Equal(5, u.GetProperty("count").GetInt64()));
        List<JsonElement> history = [.. all.Where(a => !IsUpdate(a))];
        Assert.Equal(2, history.Count);
        JsonElement repeat = history[1];
        Assert.True(repeat.GetProperty("repeat").GetBoolean());
        Assert.Equal(6, repeat.GetProperty("count").GetInt64());
        Assert.Equal(first, repeat.GetProperty("firstSeen").GetDateTimeOffset());
        Assert.Equal(_time.GetUtcNow(), repeat.GetProperty("lastSeen").GetDateTimeOffset());
        Assert.Equal(history[0].GetProperty("id").GetString(), repeat.GetProperty("id").GetString());
        Assert.False(history[0].GetProperty("repeat").GetBoolean());
    }

    [Fact]
    public async Task SignalsWithinTheWindow_AreRecordedAsAnUpdate_WhenTheWindowEnds_WithoutAnotherAlert()
    {
        await using AlertRig rig = await AlertRig.StartAsync(o => o.Window = TimeSpan.FromMinutes(4), _time);
        for (int i = 0; i < 5; i++)
        {
            rig.Reporter.Report(C2("192.0.2.7"));
            _time.Advance(TimeSpan.FromSeconds(30));
        }

        DateTimeOffset lastSeen = _time.GetUtcNow() - TimeSpan.FromSeconds(30);
        List<JsonElement> history = [];
        for (int step = 0; step < 100 && history.Count < 2; step++)
        {
            _time.Advance(TimeSpan.FromSeconds(10)); // the settle timer runs on this clock
            await Task.Delay(20, TestContext.Current.CancellationToken);
            history = rig.History();
        }

        Assert.Equal(2, history.Count);
        JsonElement update = history[1];
        Assert.Equal("pipshield.alert-update", update.GetProperty("type").GetString());
        Assert.Equal(5, update.GetProperty("count").GetInt64());
        Assert.Equal(lastSeen, update.GetProperty("lastSeen").GetDateTimeOffset());
        Assert.Single(rig.Log.Alerts); // an update is not another alert
    }

    [Fact]
    public async Task Device_QuietForAWholeWindow_StartsAFreshAlert()
    {
        await using AlertRig rig = await AlertRig.StartAsync(o => o.Window = TimeSpan.FromMinutes(5), _time);
        rig.Reporter.Report(C2("192.0.2.7"));
        rig.Reporter.Report(C2("192.0.2.7"));
        _time.Advance(TimeSpan.FromMinutes(6));
        DateTimeOffset again = _time.GetUtcNow();
        rig.Reporter.Report(C2("192.0.2.7"));
        await rig.StopAsync(NoGrace);

        List<JsonElement> history = rig.History();
        Assert.Equal(["pipshield.alert", "pipshield.alert-update", "pipshield.alert"], history.Select(a => a.GetProperty("type").GetString()));
        Assert.Equal(2, history[1].GetProperty("count").GetInt64()); // the first episode's final count
        JsonElement fresh = history[2];
        Assert.False(fresh.GetProperty("repeat").GetBoolean());
        Assert.Equal(1, fresh.GetProperty("count").GetInt64());
        Assert.Equal(again, fresh.GetProperty("firstSeen").GetDateTimeOffset());
        Assert.Equal(history[0].GetProperty("id").GetString(), history[1].GetProperty("id").GetString());
        Assert.NotEqual(history[0].GetProperty("id").GetString(), fresh.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Signal_FromAnEnrolledDevice_NamesTheDevice_InTheLogAndTheHistory()
    {
        await using AlertRig rig = await AlertRig.StartAsync(time: _time);

        rig.Reporter.Report(C2("192.0.2.7") with { DeviceName = "Sam's phone" });
        await rig.StopAsync(NoGrace);

        RecordingLoggerProvider.Entry logged = Assert.Single(rig.Log.Alerts);
        Assert.True(logged["Device"] == "Sam's phone (192.0.2.7)", logged.Message);
        JsonElement alert = Assert.Single(rig.History(), a => !IsUpdate(a));
        Assert.Equal(("192.0.2.7", "Sam's phone"), (alert.GetProperty("device").GetString(), alert.GetProperty("deviceName").GetString()));
    }

    [Fact]
    public async Task EachDevice_AndEachRule_GetsItsOwnAlert()
    {
        await using AlertRig rig = await AlertRig.StartAsync(time: _time);
        rig.Reporter.Report(C2("192.0.2.7"));
        rig.Reporter.Report(C2("192.0.2.8"));
        rig.Reporter.Report(C2("192.0.2.8"));
        rig.Reporter.Report(C2("2001:db8::8"));
        rig.Reporter.Report(C2("192.0.2.7", rule: "cnc.example.org"));
        rig.Reporter.Report(C2("192.0.2.7", rule: "cnc.example.org"));

        Assert.Equal(
            ["192.0.2.7 c2.example.net", "192.0.2.8 c2.example.net", "2001:db8::8 c2.example.net", "192.0.2.7 cnc.example.org"],
            rig.Log.Alerts.Select(a => $"{a["Device"]} {a["Rule"]}"));
    }

    [Fact]
    public async Task BlockedConnection_ReportedDirectly_IsAlertedTheSameWay_WithPacketCountsAdded()
    {
        await using AlertRig rig = await AlertRig.StartAsync(o => o.Window = TimeSpan.FromMinutes(10), _time);
        IAlertReporter reporter = rig.Reporter;
        for (int minute = 0; minute <= 12; minute += 4)
        {
            reporter.Report(new AlertSignal(AlertKind.BlockedConnection, "192.0.2.9", "198.51.100.0/24", "c2", "sample-c2", _time.GetUtcNow(), Count: 4));
            _time.Advance(TimeSpan.FromMinutes(4));
        }

        await rig.StopAsync(NoGrace);

        // Reports at 0, 4, 8 and 12 minutes: the first alerts, the last (past the 10-minute window) repeats.
        Assert.Equal(2, rig.Log.Alerts.Count);
        RecordingLoggerProvider.Entry alert = rig.Log.Alerts[0];
        Assert.Equal("blocked-connection", alert["Kind"]);
        Assert.Equal("198.51.100.0/24", alert["Rule"]);
        List<JsonElement> history = [.. rig.History().Where(a => !IsUpdate(a))]; // an update may record the count at 10 minutes
        Assert.Equal(2, history.Count);
        Assert.Equal("blocked-connection", history[1].GetProperty("kind").GetString());
        Assert.Equal(16, history[1].GetProperty("count").GetInt64());
        Assert.Equal("192.0.2.9", history[1].GetProperty("device").GetString());
    }

    [Fact]
    public async Task Signal_WithoutATime_IsStampedWithTheClock_AndStillRollsOver()
    {
        await using AlertRig rig = await AlertRig.StartAsync(o => o.Window = TimeSpan.FromMinutes(15), _time);
        DateTimeOffset start = _time.GetUtcNow();
        var undated = new AlertSignal(AlertKind.BlockedConnection, "192.0.2.9", "198.51.100.0/24", "c2", "sample-c2", default);
        rig.Reporter.Report(undated);
        _time.Advance(TimeSpan.FromMinutes(10));
        rig.Reporter.Report(undated);
        _time.Advance(TimeSpan.FromMinutes(10));
        rig.Reporter.Report(undated);
        await rig.StopAsync(NoGrace);

        List<JsonElement> history = [.. rig.History().Where(a => !IsUpdate(a))]; // an update may record the count at 15 minutes
        Assert.Equal(2, history.Count);
        Assert.Equal(start, history[0].GetProperty("firstSeen").GetDateTimeOffset());
        Assert.Equal(start.AddMinutes(20), history[1].GetProperty("lastSeen").GetDateTimeOffset());
        Assert.Equal(3, history[1].GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task Disabled_RaisesNothing_AndWritesNoHistory()
    {
        await using AlertRig rig = await AlertRig.StartAsync(o => o.Enabled = false, _time);
        rig.Reporter.Report(C2("192.0.2.7"));
        await rig.StopAsync(NoGrace);

        Assert.Empty(rig.Log.Alerts);
        Assert.Contains(rig.Log.Entries, e => e.EventId == 3603);
        Assert.False(File.Exists(rig.HistoryPath));
    }

    [Fact]
    public async Task History_IsOwnerOnly_AndKeepsAtMostTwiceMaxHistory_TheNewest()
    {
        const int Alerts = 45;
        await using AlertRig rig = await AlertRig.StartAsync(o => o.MaxHistory = 10, _time);
        for (int i = 0; i < Alerts; i++)
        {
            rig.Reporter.Report(C2($"192.0.2.{i}"));
        }

        await rig.StopAsync(NoGrace);

        Assert.Equal(Alerts, rig.Log.Alerts.Count); // the log has every one
        List<JsonElement> history = rig.History();
        Assert.InRange(history.Count, 10, 20);
        Assert.Equal($"192.0.2.{Alerts - 1}", history[^1].GetProperty("device").GetString());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(rig.HistoryPath));
        }
    }

    private static bool IsUpdate(JsonElement line) => line.GetProperty("type").GetString() == "pipshield.alert-update";

    private AlertSignal C2(string device, string rule = "c2.example.net") =>
        new(AlertKind.C2Query, device, rule, "c2", "test-c2", _time.GetUtcNow());
}
