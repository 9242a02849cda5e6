using System.Buffers;

namespace PipShield.Blocklist.Parsing;

/// <summary>
/// Splits a <see cref="TextReader"/> into physical lines without a string per line: text is read into one pooled
/// buffer and each line is handed on as a span over it.
/// </summary>
internal static class ListLineReader
{
    private const char ByteOrderMark = '\uFEFF';

    private static readonly string LineTooLong =
        $"line is longer than {ListParser.MaxLineLength} characters";

    public static void ReadLines(TextReader reader, ILineParser parser, IRuleSink sink)
    {
        // Twice the cap: after moving a partial line (at most the cap) to the front there is always room to read.
        char[] buffer = ArrayPool<char>.Shared.Rent(ListParser.MaxLineLength * 2);
        try
        {
            int start = 0;
            int end = 0;
            int lineNumber = 0;
            bool skippingLongLine = false;
            bool endOfInput = false;
            while (true)
            {
                int newline = buffer.AsSpan(start, end - start).IndexOf('\n');
                if (newline >= 0)
                {
                    if (skippingLongLine)
                    {
                        // The rest of a line already reported as too long.
                        skippingLongLine = false;
                    }
                    else
                    {
                        lineNumber++;
                        Deliver(buffer.AsSpan(start, newline), lineNumber, parser, sink);
                    }

                    start += newline + 1;
                    continue;
                }

                if (endOfInput)
                {
                    // A final line without a newline.
                    if (!skippingLongLine && end > start)
                    {
                        lineNumber++;
                        Deliver(buffer.AsSpan(start, end - start), lineNumber, parser, sink);
                    }

                    return;
                }

                if (skippingLongLine)
                {
                    start = end = 0;
                }
                else if (end - start > ListParser.MaxLineLength + 1)
                {
                    // + 1: a line at the cap may still be followed by the CR of a CRLF.
                    lineNumber++;
                    sink.OnError(lineNumber, LineTooLong);
                    skippingLongLine = true;
                    start = end = 0;
                }
                else if (start > 0)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    start = 0;
                }

                int read = reader.Read(buffer, end, buffer.Length - end);
                if (read <= 0)
                {
                    endOfInput = true;
                }
                else
                {
                    end += read;
                }
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static void Deliver(ReadOnlySpan<char> line, int lineNumber, ILineParser parser, IRuleSink sink)
    {
        if (!line.IsEmpty && line[^1] == '\r')
        {
            line = line[..^1];
        }

        if (line.Length > ListParser.MaxLineLength)
        {
            sink.OnError(lineNumber, LineTooLong);
            return;
        }

        // A BOM survives when the reader was not a StreamReader, or when lists were concatenated.
        if (!line.IsEmpty && line[0] == ByteOrderMark)
        {
            line = line[1..];
        }

        parser.ParseLine(line, lineNumber, sink);
    }
}
