namespace PipShield.Service.Cli;

/// <summary>A plain-text table with aligned columns: text left-aligned, numbers right-aligned.</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void AddRow(params string[] cells)
    {
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"Expected {headers.Length} cells, got {cells.Length}.", nameof(cells));
        }

        _rows.Add(cells);
    }

    public void WriteTo(TextWriter output)
    {
        int[] widths = new int[headers.Length];
        bool[] numeric = new bool[headers.Length];
        for (int c = 0; c < headers.Length; c++)
        {
            widths[c] = headers[c].Length;
            numeric[c] = _rows.Count > 0;
            foreach (string[] row in _rows)
            {
                widths[c] = Math.Max(widths[c], row[c].Length);
                numeric[c] &= row[c].Length == 0 || char.IsAsciiDigit(row[c][^1]) || row[c] == "-";
            }
        }

        WriteRow(output, headers, widths, numeric);
        foreach (string[] row in _rows)
        {
            WriteRow(output, row, widths, numeric);
        }
    }

    private static void WriteRow(TextWriter output, string[] cells, int[] widths, bool[] numeric)
    {
        var line = new System.Text.StringBuilder();
        for (int c = 0; c < cells.Length; c++)
        {
            if (c > 0)
            {
                line.Append("  ");
            }

            line.Append(numeric[c] ? cells[c].PadLeft(widths[c]) : cells[c].PadRight(widths[c]));
        }

        output.WriteLine(line.ToString().TrimEnd());
    }

    /// <summary>A count with thousands separators (<c>1,234,567</c>).</summary>
    public static string Count(long value) => value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
}
