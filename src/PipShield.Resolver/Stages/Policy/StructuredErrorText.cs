using System.Text.Encodings.Web;
using System.Text.Json;

namespace PipShield.Resolver.Stages.Policy;

/// <summary>
/// Structured EXTRA-TEXT for the Extended DNS Error of a blocked answer, as I-JSON with the short keys of
/// draft-ietf-dnsop-structured-dns-error: "c" contact URIs, "j" justification, "o" organisation.
/// </summary>
/// <remarks>The sub-error "s" is left out: its registry is not settled, and an absent "s" is allowed.</remarks>
public static class StructuredErrorText
{
    private static readonly JsonWriterOptions Compact = new()
    {
        // Escape only what JSON needs; EXTRA-TEXT is UTF-8 (RFC 8914 §2) and every byte counts in a UDP reply.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>The UTF-8 JSON text; built once per image source, never per query.</summary>
    public static byte[] Write(IReadOnlyList<string> contacts, string justification, string? organisation)
    {
        ArgumentNullException.ThrowIfNull(contacts);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Compact))
        {
            json.WriteStartObject();
            json.WriteStartArray("c");
            foreach (string contact in contacts)
            {
                json.WriteStringValue(contact);
            }

            json.WriteEndArray();
            json.WriteString("j", justification);
            if (!string.IsNullOrEmpty(organisation))
            {
                json.WriteString("o", organisation);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
