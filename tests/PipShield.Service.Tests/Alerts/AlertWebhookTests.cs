using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PipShield.Service.Alerts;

namespace PipShield.Service.Tests.Alerts;

/// <summary>The webhook as a receiver sees it: the documented JSON, signed; retried through failures; and a dead
/// one costs neither the log event nor unbounded memory.</summary>
public sealed class AlertWebhookTests
{
    private const string Secret = "correct-horse-battery-staple";

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Webhook_ReceivesTheDocumentedJson_SignedWithTheSecret()
    {
        await using var webhook = new LoopbackWebhook();
        await using AlertRig rig = await AlertRig.StartAsync(o =>
        {
            o.WebhookUrl = webhook.Url;
            o.WebhookSecret = Secret;
        });
        DateTimeOffset seen = new(2026, 3, 1, 9, 30, 0, TimeSpan.Zero);
        rig.Reporter.Report(new AlertSignal(AlertKind.C2Query, "192.0.2.7", "c2.example.net", "c2", "test-c2", seen));

        LoopbackWebhook.Request request = Assert.Single(await webhook.WaitForAsync(1, Wait));
        Assert.Equal("POST", request.Method);
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);

        // The receiver's check, as docs/ALERTS.md describes it: HMAC-SHA256 of the raw body, hex, after "sha256=".
        string expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), request.Body));
        Assert.Equal(expected, request.Headers[AlertWebhook.SignatureHeader]);

        using JsonDocument document = JsonDocument.Parse(request.Body);
        JsonElement body = document.RootElement;
        Assert.Equal(
            ["version", "type", "id", "kind", "time", "device", "deviceName", "rule", "category", "source", "firstSeen", "lastSeen", "count", "repeat", "host"],
            body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, body.GetProperty("version").GetInt32());
        Assert.Equal("pipshield.alert", body.GetProperty("type").GetString());
        Assert.Equal("c2-query", body.GetProperty("kind").GetString());
        Assert.Equal("192.0.2.7", body.GetProperty("device").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("deviceName").ValueKind);
        Assert.Equal("c2.example.net", body.GetProperty("rule").GetString());
        Assert.Equal("c2", body.GetProperty("category").GetString());
        Assert.Equal("test-c2", body.GetProperty("source").GetString());
        Assert.Equal("2026-03-01T09:30:00.000Z", body.GetProperty("firstSeen").GetString());
        Assert.Equal("2026-03-01T09:30:00.000Z", body.GetProperty("lastSeen").GetString());
        Assert.Equal(1, body.GetProperty("count").GetInt64());
        Assert.False(body.GetProperty("repeat").GetBoolean());
        Assert.Equal(Environment.MachineName, body.GetProperty("host").GetString());
        Assert.Matches("^[0-9a-f]{32}$", body.GetProperty("id").GetString());

        // The secret appears nowhere in the log.
        Assert.DoesNotContain(rig.Log.Entries, e => e.Message.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Webhook_WithoutASecret_IsSentUnsigned()
    {
        await using var webhook = new LoopbackWebhook();
        await using AlertRig rig = await AlertRig.StartAsync(o => o.WebhookUrl = webhook.Url);
        rig.Reporter.Report(new AlertSignal(AlertKind.BlockedConnection, "192.0.2.7", "198.51.100.0/24", "c2", "sample-c2", DateTimeOffset.UtcNow));

        LoopbackWebhook.Request request = Assert.Single(await webhook.WaitForAsync(1, Wait));
        Assert.False(request.Headers.ContainsKey(AlertWebhook.SignatureHeader));
        Assert.Equal("blocked-connection", JsonDocument.Parse(request.Body).RootElement.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Webhook_ThatFailsTwice_GetsTheAlertOnTheThirdTry()
    {
        await using var webhook = new LoopbackWebhook([HttpStatusCode.InternalServerError, HttpStatusCode.ServiceUnavailable]);
        await using AlertRig rig = await AlertRig.StartAsync(o => o.WebhookUrl = webhook.Url);
        rig.Reporter.Report(new AlertSignal(AlertKind.C2Query, "192.0.2.7", "c2.example.net", "c2", "test-c2", DateTimeOffset.UtcNow));

        IReadOnlyList<LoopbackWebhook.Request> requests = await webhook.WaitForAsync(3, Wait);
        await rig.StopAsync(Wait);

        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal(requests[0].Body, r.Body)); // the same alert each time
        Assert.Equal(1, rig.Reporter.Webhook!.Delivered);
        Assert.Equal(0, rig.Reporter.Webhook.Failed);
        Assert.DoesNotContain(rig.Log.Entries, e => e.EventId == 3604);
    }

    [Fact]
    public async Task Webhook_ThatAlwaysFails_IsGivenUpOn_WithAWarning()
    {
        await using var webhook = new LoopbackWebhook(Enumerable.Repeat(HttpStatusCode.BadGateway, 100));
        await using AlertRig rig = await AlertRig.StartAsync(o => o.WebhookUrl = webhook.Url);
        rig.Reporter.Report(new AlertSignal(AlertKind.C2Query, "192.0.2.7", "c2.example.net", "c2", "test-c2", DateTimeOffset.UtcNow));
        await rig.StopAsync(Wait);

        Assert.Equal(1 + AlertsServices.WebhookRetries, webhook.Requests.Count); // bounded: no endless retrying
        Assert.Equal(1, rig.Reporter.Webhook!.Failed);
        RecordingLoggerProvider.Entry warning = Assert.Single(rig.Log.Entries, e => e.EventId == 3604);
        Assert.Equal($"http://127.0.0.1:{new Uri(webhook.Url).Port}", warning["Webhook"]); // never the path, which may hold a token
    }

    [Fact]
    public async Task DeadWebhook_DoesNotBlockReporting_OrLoseTheLogEventOrHistory_AndHoldsAtMostMaxQueued()
    {
        const int Devices = 30;
        await using var webhook = new LoopbackWebhook(hang: true);
        await using AlertRig rig = await AlertRig.StartAsync(o =>
        {
            o.WebhookUrl = webhook.Url;
            o.WebhookTimeout = TimeSpan.FromSeconds(1);
            o.MaxQueued = 3;
        });

        for (int i = 0; i < Devices; i++)
        {
            rig.Reporter.Report(new AlertSignal(AlertKind.C2Query, $"192.0.2.{i}", "c2.example.net", "c2", "test-c2", DateTimeOffset.UtcNow));
            Assert.Equal(i + 1, rig.Log.Alerts.Count); // logged before Report returned, whatever the webhook does
        }

        // The history keeps up while the webhook hangs.
        for (int attempt = 0; attempt < 100 && rig.History().Count < Devices; attempt++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Equal(Devices, rig.History().Count);
        Assert.InRange(rig.Reporter.Webhook!.Backlog, 0, 3);
        await rig.StopAsync(TimeSpan.FromMilliseconds(200));

        AlertWebhook sender = rig.Reporter.Webhook;
        Assert.Equal(0, sender.Delivered);
        Assert.True(sender.Dropped >= Devices - 3 - 1, $"{sender.Dropped} dropped of {Devices} with room for 3 and one in flight");
        Assert.Contains(rig.Log.Entries, e => e.EventId is 3605 or 3608);
    }
}
