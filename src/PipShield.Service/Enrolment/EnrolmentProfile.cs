using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml;

namespace PipShield.Service.Enrolment;

/// <summary>
/// The Apple configuration profile (<c>.mobileconfig</c>) for one device: an XML property list with a
/// <c>com.apple.dnsSettings.managed</c> payload that points the system resolver at the device's DoH URL (or, with
/// only DoT configured, its DoT server name), and optionally the warning page's CA as a trusted root.
/// </summary>
internal static class EnrolmentProfile
{
    public const string ContentType = "application/x-apple-aspen-config";

    public const string FileName = "pipshield.mobileconfig";

    /// <summary>The profile, or null when neither a DoH URL nor a DoT host name is configured.</summary>
    /// <param name="rootCa">The warning page's own CA (public certificate) to install as trusted, or null.</param>
    public static byte[]? Create(string deviceName, EnrolmentLinks links, string organisation, X509Certificate2? rootCa)
    {
        if (links.DohUrl is null && links.DotHost is null)
        {
            return null;
        }

        var output = new MemoryStream();
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, IndentChars = "  " };
        using (XmlWriter xml = XmlWriter.Create(output, settings))
        {
            xml.WriteStartDocument();
            xml.WriteDocType("plist", "-//Apple//DTD PLIST 1.0//EN", "http://www.apple.com/DTDs/PropertyList-1.0.dtd", null);
            xml.WriteStartElement("plist");
            xml.WriteAttributeString("version", "1.0");
            xml.WriteStartElement("dict");

            Key(xml, "PayloadContent");
            xml.WriteStartElement("array");
            DnsPayload(xml, deviceName, links);
            if (rootCa is not null)
            {
                RootPayload(xml, links.Id, rootCa);
            }

            xml.WriteEndElement();

            String(xml, "PayloadDisplayName", $"PipShield protective DNS ({deviceName})");
            String(xml, "PayloadDescription", $"Sends this device's DNS queries to {organisation}'s PipShield server, which blocks known malicious sites.");
            String(xml, "PayloadOrganization", organisation);
            String(xml, "PayloadIdentifier", "org.pipshield.profile." + StableUuid(links.Id, "profile"));
            String(xml, "PayloadType", "Configuration");
            String(xml, "PayloadUUID", StableUuid(links.Id, "profile"));
            Integer(xml, "PayloadVersion", 1);

            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        return output.ToArray();
    }

    /// <summary>
    /// A UUID derived from the device ID, so downloading the profile again replaces the installed one instead of
    /// adding a second. Hashed, so the UUID (which iOS shows in settings) does not reveal the ID.
    /// </summary>
    public static string StableUuid(string id, string purpose)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"pipshield-enrolment:{purpose}:{id}"), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5 style (name-based, here SHA-256 rather than SHA-1)
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(hash[..16], bigEndian: true).ToString("D").ToUpperInvariant();
    }

    private static void DnsPayload(XmlWriter xml, string deviceName, EnrolmentLinks links)
    {
        xml.WriteStartElement("dict");
        Key(xml, "DNSSettings");
        xml.WriteStartElement("dict");
        if (links.DohUrl is not null)
        {
            String(xml, "DNSProtocol", "HTTPS");
            String(xml, "ServerURL", links.DohUrl);
        }
        else
        {
            String(xml, "DNSProtocol", "TLS");
            String(xml, "ServerName", links.DotHost!);
        }

        if (links.ServerAddresses.Count > 0)
        {
            // Lets the device reach the server without first resolving its name through some other resolver.
            Key(xml, "ServerAddresses");
            xml.WriteStartElement("array");
            foreach (System.Net.IPAddress address in links.ServerAddresses)
            {
                xml.WriteElementString("string", address.ToString());
            }

            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        String(xml, "PayloadDisplayName", $"PipShield DNS for {deviceName}");
        String(xml, "PayloadIdentifier", "org.pipshield.dns." + StableUuid(links.Id, "dns"));
        String(xml, "PayloadType", "com.apple.dnsSettings.managed");
        String(xml, "PayloadUUID", StableUuid(links.Id, "dns"));
        Integer(xml, "PayloadVersion", 1);
        xml.WriteEndElement();
    }

    private static void RootPayload(XmlWriter xml, string id, X509Certificate2 ca)
    {
        xml.WriteStartElement("dict");
        Key(xml, "PayloadCertificateFileName");
        xml.WriteElementString("string", "pipshield-warning-page-ca.cer");
        Key(xml, "PayloadContent");
        xml.WriteStartElement("data");
        xml.WriteString(Convert.ToBase64String(ca.RawData));
        xml.WriteEndElement();
        String(xml, "PayloadDisplayName", "PipShield warning page CA");
        String(xml, "PayloadIdentifier", "org.pipshield.ca." + StableUuid(id, "ca"));
        String(xml, "PayloadType", "com.apple.security.root");
        String(xml, "PayloadUUID", StableUuid(id, "ca"));
        Integer(xml, "PayloadVersion", 1);
        xml.WriteEndElement();
    }

    private static void Key(XmlWriter xml, string key) => xml.WriteElementString("key", key);

    private static void String(XmlWriter xml, string key, string value)
    {
        Key(xml, key);
        xml.WriteElementString("string", value);
    }

    private static void Integer(XmlWriter xml, string key, int value)
    {
        Key(xml, key);
        xml.WriteElementString("integer", value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
