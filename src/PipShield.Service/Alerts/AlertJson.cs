using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace PipShield.Service.Alerts;

/// <summary>
/// The alert's JSON, version 1 (docs/ALERTS.md): the webhook body and one line of the history file. Keep the
/// field names stable; add fields rather than rename them, and raise <see cref="Version"/> when one must change.
/// </summary>
internal static class AlertJson
{
    public const int Version = 1;

    public const string Type = "pipshield.alert";

    /// <summary>The type of a history-only line bringing an alert's count and last-seen time up to date.</summary>
    public const string UpdateType = "pipshield.alert-update";

    /// <summary>The UTF-8 JSON of <paramref name="alert"/>, one line, without a line break.</summary>
    public static byte[] Write(Alert alert, string host)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("version"u8, Version);
            json.WriteString("type"u8, alert.Update ? UpdateType : Type);
            json.WriteString("id"u8, alert.Id);
            json.WriteString("kind"u8, Alert.KindName(alert.Kind));
            json.WriteString("time"u8, Time(alert.Time));
            json.WriteString("device"u8, alert.Device);
            json.WriteString("deviceName"u8, alert.DeviceName);
            json.WriteString("rule"u8, alert.Rule);
            json.WriteString("category"u8, alert.Category);
            json.WriteString("source"u8, alert.Source);
            json.WriteString("firstSeen"u8, Time(alert.FirstSeen));
            json.WriteString("lastSeen"u8, Time(alert.LastSeen));
            json.WriteNumber("count"u8, alert.Count);
            json.WriteBoolean("repeat"u8, alert.Repeat);
            json.WriteString("host"u8, host);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>UTC with milliseconds, as the query log writes times: <c>2026-01-02T03:04:05.678Z</c>.</summary>
    public static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
