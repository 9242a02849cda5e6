using System.Globalization;
using PipShield.Blocklist.Compiling;

namespace PipShield.Service.Cli;

/// <summary>The summary <c>pipshield compile</c> prints: a row per source, then the image totals.</summary>
internal static class CompileReport
{
    public static void WriteSources(TextWriter output, IReadOnlyList<SourceSummary> sources)
    {
        var table = new TextTable("source", "kind", "format", "category", "lines", "accepted", "duplicates", "rejected", "skipped", "redundant");
        long lines = 0, accepted = 0, duplicates = 0, rejected = 0, skipped = 0, redundant = 0;
        foreach (SourceSummary s in sources)
        {
            table.AddRow(
                s.IsRejected ? s.Descriptor.Name + " (REJECTED)" : s.Descriptor.Name,
                s.Descriptor.IsAllowlist ? "allow" : "block",
                CliText.Format(s.Format),
                s.Descriptor.Category,
                TextTable.Count(s.Lines),
                TextTable.Count(s.Accepted),
                TextTable.Count(s.Duplicates),
                TextTable.Count(s.Rejected),
                TextTable.Count(s.Skipped),
                TextTable.Count(s.Redundant));
            lines += s.Lines;
            accepted += s.Accepted;
            duplicates += s.Duplicates;
            rejected += s.Rejected;
            skipped += s.Skipped;
            redundant += s.Redundant;
        }

        table.AddRow("total", "", "", "", TextTable.Count(lines), TextTable.Count(accepted), TextTable.Count(duplicates),
            TextTable.Count(rejected), TextTable.Count(skipped), TextTable.Count(redundant));
        table.WriteTo(output);
    }

    public static void WriteTotals(TextWriter output, string imagePath, CompileResult result, TimeSpan elapsed)
    {
        output.WriteLine();
        var table = new TextTable("image", imagePath);
        table.AddRow("domain rules", TextTable.Count(result.DomainRules));
        table.AddRow("stored names", TextTable.Count(result.DomainNodes));
        table.AddRow("redundant dropped", TextTable.Count(result.Redundant));
        table.AddRow("IP rules", TextTable.Count(result.IpRules));
        table.AddRow("image bytes", TextTable.Count(result.ImageBytes));
        table.AddRow("bytes per domain rule", CliText.BytesPer(result.ImageBytes, result.DomainRules));
        table.AddRow("elapsed seconds", elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture));
        table.WriteTo(output);
    }
}
