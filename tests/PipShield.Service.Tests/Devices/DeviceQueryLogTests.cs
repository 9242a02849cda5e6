using System.Text.Json;
using DnsClient;

namespace PipShield.Service.Tests.Devices;

/// <summary>A plain-DNS query from an address mapped to a device is logged with the device's name.</summary>
public sealed class DeviceQueryLogTests
{
    [Fact]
    public async Task BlockedQuery_FromAMappedAddress_IsLoggedWithTheDeviceName_AndOnlyAShortId()
    {
        await using DeviceTestHost devices = await DeviceTestHost.StartAsync();
        IDnsQueryResponse answer = await devices.Host.Dns.QueryAsync("login.phish.example.net", QueryType.A,
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.NotEmpty(answer.Answers.ARecords()); // the sinkhole answer

        string log = Path.Combine(devices.Host.StateDirectory, "queries.jsonl");
        string? line = null;
        for (int i = 0; i < 100 && line is null; i++) // the writer flushes off the query path; give it up to 5 s
        {
            line = File.Exists(log) ? File.ReadLines(log).FirstOrDefault(l => l.EndsWith('}')) : null;
            if (line is null)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }

        Assert.NotNull(line);
        JsonElement entry = JsonDocument.Parse(line).RootElement;
        Assert.Equal("blocked", entry.GetProperty("result").GetString());
        Assert.Equal(DeviceTestHost.PhoneName, entry.GetProperty("device").GetString());
        Assert.Equal(devices.Phone.Id[..4] + "…", entry.GetProperty("deviceId").GetString());
        Assert.DoesNotContain(devices.Phone.Id, line); // the full ID is a secret
    }
}
