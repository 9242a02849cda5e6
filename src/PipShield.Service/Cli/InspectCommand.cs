using System.Buffers.Binary;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using PipShield.Blocklist.Lookup;

namespace PipShield.Service.Cli;

/// <summary><c>pipshield inspect lists.pipbl</c>: what an image holds and where it came from.</summary>
internal static class InspectCommand
{

    public static Command Create(CliConsole console)
    {
        var image = new Argument<string>("image") { Description = "The image file (.pipbl) to describe." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of tables." };
        var command = new Command("inspect", "Show an image's format version, build time, size, rule counts and source table. "
            + "The whole file is verified (header and body checksums) first.")
        {
            image, json,
        };

        command.SetAction(parseResult =>
        {
            try
            {
                string path = parseResult.GetValue(image)!;
                using BlocklistImage opened = CliFiles.OpenImage(path);
                uint version = (uint)BlocklistImage.FormatVersion; // Open refuses any other version
                if (parseResult.GetValue(json))
                {
                    WriteJson(console.Out, path, version, opened);
                }
                else
                {
                    WriteText(console.Out, path, version, opened);
                }

                return ExitCodes.Success;
            }
            catch (CliException ex)
            {
                return console.Fail(ex.Message);
            }
        });
        return command;
    }

    private static void WriteText(TextWriter output, string path, uint version, BlocklistImage image)
    {
        var summary = new TextTable("image", path);
        summary.AddRow("format version", version.ToString(CultureInfo.InvariantCulture));
        summary.AddRow("build time", image.BuildTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));
        summary.AddRow("file bytes", TextTable.Count(image.FileLength));
        summary.AddRow("domain rules", TextTable.Count(image.DomainRuleCount));
        summary.AddRow("stored names", TextTable.Count(image.DomainNodeCount));
        summary.AddRow("redundant dropped", TextTable.Count(image.RedundantCount));
        summary.AddRow("IP rules", TextTable.Count(image.IpRuleCount));
        summary.AddRow("IPv4 ranges", TextTable.Count(image.Ipv4RangeCount));
        summary.AddRow("IPv6 ranges", TextTable.Count(image.Ipv6RangeCount));
        summary.AddRow("bytes per domain rule", CliText.BytesPer(image.FileLength, image.DomainRuleCount));
        summary.AddRow("suffix buckets", TextTable.Count(image.BucketCount));
        summary.WriteTo(output);
        output.WriteLine();

        var sources = new TextTable("#", "source", "kind", "format", "category", "action", "accepted", "duplicates", "rejected", "skipped", "redundant");
        foreach (ImageSource s in image.Sources)
        {
            sources.AddRow(
                s.Index.ToString(CultureInfo.InvariantCulture),
                s.WasRejected ? s.Name + " (REJECTED)" : s.Name,
                s.IsAllowlist ? "allow" : "block",
                CliText.Format(s.Format),
                s.Category,
                CliText.Action(s.Action),
                TextTable.Count(s.Accepted),
                TextTable.Count(s.Duplicates),
                TextTable.Count(s.Rejected),
                TextTable.Count(s.Skipped),
                TextTable.Count(s.Redundant));
        }

        sources.WriteTo(output);
    }

    private static void WriteJson(TextWriter output, string path, uint version, BlocklistImage image)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("path", path);
            json.WriteNumber("formatVersion", version);
            json.WriteString("buildTime", image.BuildTime.UtcDateTime);
            json.WriteNumber("fileBytes", image.FileLength);
            json.WriteNumber("domainRules", image.DomainRuleCount);
            json.WriteNumber("storedNames", image.DomainNodeCount);
            json.WriteNumber("redundantDropped", image.RedundantCount);
            json.WriteNumber("ipRules", image.IpRuleCount);
            json.WriteNumber("ipv4Ranges", image.Ipv4RangeCount);
            json.WriteNumber("ipv6Ranges", image.Ipv6RangeCount);
            json.WriteNumber("suffixBuckets", image.BucketCount);
            json.WriteStartArray("sources");
            foreach (ImageSource s in image.Sources)
            {
                json.WriteStartObject();
                json.WriteString("name", s.Name);
                json.WriteString("category", s.Category);
                json.WriteString("format", CliText.Format(s.Format));
                json.WriteString("action", CliText.Action(s.Action));
                json.WriteBoolean("allowlist", s.IsAllowlist);
                json.WriteBoolean("rejectedAsWhole", s.WasRejected);
                json.WriteNumber("accepted", s.Accepted);
                json.WriteNumber("duplicates", s.Duplicates);
                json.WriteNumber("rejected", s.Rejected);
                json.WriteNumber("skipped", s.Skipped);
                json.WriteNumber("redundant", s.Redundant);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }
}
