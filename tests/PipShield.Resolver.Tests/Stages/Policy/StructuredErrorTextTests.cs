using System.Text.Json;
using PipShield.Resolver.Stages.Policy;

namespace PipShield.Resolver.Tests.Stages.Policy;

public sealed class StructuredErrorTextTests
{
    [Fact]
    public void Write_EscapesWhatJsonNeeds_AndKeepsTheValues()
    {
        string justification = "phishing: \"Feed\" \\ with\nnewline – Unicode ü";

        byte[] text = StructuredErrorText.Write(["mailto:fp@example.org", "https://report.example.org/?a=1&b=2"], justification, "Org <b>");

        using JsonDocument json = JsonDocument.Parse(text);
        Assert.Equal(["mailto:fp@example.org", "https://report.example.org/?a=1&b=2"], json.RootElement.GetProperty("c").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(justification, json.RootElement.GetProperty("j").GetString());
        Assert.Equal("Org <b>", json.RootElement.GetProperty("o").GetString());
        Assert.DoesNotContain((byte)'\n', text); // compact: one line
    }

    [Fact]
    public void Write_LeavesOutAnEmptyOrganisation()
    {
        using JsonDocument json = JsonDocument.Parse(StructuredErrorText.Write(["tel:+441632960000"], "malware: list", null));

        Assert.False(json.RootElement.TryGetProperty("o", out _));
        Assert.Equal(["c", "j"], json.RootElement.EnumerateObject().Select(p => p.Name));
    }
}
