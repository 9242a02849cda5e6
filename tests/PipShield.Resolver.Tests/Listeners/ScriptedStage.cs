using System.Text;
using PipShield.Resolver.Pipeline;
using PipShield.Resolver.Wire;

namespace PipShield.Resolver.Tests.Listeners;

/// <summary>
/// Stands in for cache and upstream in listener tests; the first label of the query name says what to do:
/// <c>slow-N</c> answers after N ms, <c>big-N</c> answers N A records at once, <c>hold</c> waits for
/// <see cref="Release"/>, <c>drop</c> sends nothing; any other name gets one A record (192.0.2.1) at once.
/// </summary>
internal sealed class ScriptedStage : IQueryStage
{
    private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Queries that went asynchronous so far.</summary>
    public int AsyncCount => Volatile.Read(ref _asyncCount);

    private int _asyncCount;

    /// <summary>Lets every <c>hold</c> query waiting so far answer.</summary>
    public void Release() => Interlocked.Exchange(ref _gate, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public ValueTask<StageResult> ProcessAsync(QueryContext query, CancellationToken cancellationToken)
    {
        string label = FirstLabel(query);
        if (label == "drop")
        {
            return new(StageResult.Drop);
        }

        if (label == "hold")
        {
            return AnswerLaterAsync(query, Volatile.Read(ref _gate).Task.WaitAsync(cancellationToken));
        }

        if (label.StartsWith("slow-", StringComparison.Ordinal))
        {
            return AnswerLaterAsync(query, Task.Delay(int.Parse(label[5..]), cancellationToken));
        }

        int count = label.StartsWith("big-", StringComparison.Ordinal) ? int.Parse(label[4..]) : 1;
        return new(Answer(query, count));
    }

    private async ValueTask<StageResult> AnswerLaterAsync(QueryContext query, Task wait)
    {
        Interlocked.Increment(ref _asyncCount);
        await wait.ConfigureAwait(false);
        return Answer(query, 1);
    }

    /// <summary>Writes <paramref name="count"/> A records 192.0.2.x (x = 1, 2, …) and an OPT when the query had one.</summary>
    public static StageResult Answer(QueryContext query, int count)
    {
        QueryInfo info = query.Query;
        var writer = new DnsMessageWriter(query.Response);
        ushort flags = (ushort)(DnsHeader.QrFlag | DnsHeader.RaFlag | (info.Flags & DnsHeader.RdFlag));
        writer.TryWriteHeader(info.Id, flags, 1, (ushort)count, 0, 0);
        writer.TryWriteBytes(info.Question(query.RequestSpan));
        for (int i = 0; i < count; i++)
        {
            writer.TryWriteRecordHeader(DnsMessageWriter.QNamePointer, DnsType.A, 1, 300, 4);
            writer.TryWriteBytes([192, 0, (byte)(2 + i / 250), (byte)(1 + i % 250)]);
        }

        ushort additional = 0;
        if (info.HasEdns)
        {
            writer.TryWriteOpt(1232, false, 0, EdeCode.Other, "scripted"u8);
            additional = 1;
        }

        writer.SetCounts((ushort)count, 0, additional);
        query.ResponseLength = writer.Length;
        query.Origin = ResponseOrigin.Upstream;
        return StageResult.Respond;
    }

    private static string FirstLabel(QueryContext query)
    {
        ReadOnlySpan<byte> name = query.Query.QName(query.RequestSpan);
        return name.Length > 1 ? Encoding.ASCII.GetString(name.Slice(1, name[0])).ToLowerInvariant() : "";
    }
}
