using System.Xml;
using System.Xml.Linq;

namespace PipShield.Service.Tests.Devices;

/// <summary>Reads an XML property list's dictionaries as key → value element, as Apple's format pairs them.</summary>
internal static class Plist
{
    public static Dictionary<string, XElement> Read(byte[] xml)
    {
        // The DOCTYPE names Apple's DTD; it is checked as text and never fetched.
        Assert.Contains("<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">",
            System.Text.Encoding.UTF8.GetString(xml), StringComparison.Ordinal);
        using var reader = XmlReader.Create(new MemoryStream(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null });
        XDocument document = XDocument.Load(reader);
        Assert.Equal("plist", document.Root!.Name.LocalName);
        Assert.Equal("1.0", document.Root.Attribute("version")?.Value);
        return Dict(Assert.Single(document.Root.Elements("dict")));
    }

    public static Dictionary<string, XElement> Dict(XElement dict)
    {
        Assert.Equal("dict", dict.Name.LocalName);
        var entries = new Dictionary<string, XElement>();
        XElement[] children = [.. dict.Elements()];
        Assert.True(children.Length % 2 == 0, "a dict holds key/value pairs");
        for (int i = 0; i < children.Length; i += 2)
        {
            Assert.Equal("key", children[i].Name.LocalName);
            Assert.True(entries.TryAdd(children[i].Value, children[i + 1]), $"key {children[i].Value} twice");
        }

        return entries;
    }
}
