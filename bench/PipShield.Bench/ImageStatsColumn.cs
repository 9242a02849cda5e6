using System.Collections.Concurrent;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace PipShield.Bench;

/// <summary>Image counts per data set, recorded by <see cref="CompileBenchmarks"/> during its setup.</summary>
internal readonly record struct ImageStats(int Rules, int Nodes, long ImageBytes);

/// <summary>
/// A summary column showing a figure of the compiled image. It reads what the setup recorded in this process,
/// which works because the jobs run in process (<see cref="BenchJobs"/>); otherwise it shows "-".
/// </summary>
internal sealed class ImageStatsColumn(string name, string legend, Func<ImageStats, string> format) : IColumn
{
    public static readonly ConcurrentDictionary<string, ImageStats> Recorded = new(StringComparer.Ordinal);

    public string Id => "PipShield." + name;

    public string ColumnName => name;

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => legend;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        benchmarkCase.Parameters["Set"] is string set && Recorded.TryGetValue(set, out ImageStats stats) ? format(stats) : "-";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
