using System.Buffers;
using System.Text;
using System.Text.Json;
using PipShield.Blocklist.Lookup;

namespace PipShield.Service.Cli;

/// <summary>
/// One JSON object per line: <c>{"name":…,"verdict":"blocked|allowed|none","rule":…,"source":…,"category":…}</c>,
/// with null for rule, source and category when the verdict is none.
/// </summary>
/// <remarks>Objects are written with one <see cref="Utf8JsonWriter"/> into a reused byte buffer that goes out in
/// 64 KiB blocks; to the process's stdout as bytes, to any other writer as text.</remarks>
internal sealed class JsonCheckWriter : CheckWriter
{
    private const int FlushThreshold = 1 << 16;

    private static readonly JsonEncodedText NameKey = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText VerdictKey = JsonEncodedText.Encode("verdict");
    private static readonly JsonEncodedText RuleKey = JsonEncodedText.Encode("rule");
    private static readonly JsonEncodedText SourceKey = JsonEncodedText.Encode("source");
    private static readonly JsonEncodedText CategoryKey = JsonEncodedText.Encode("category");
    private static readonly JsonEncodedText Blocked = JsonEncodedText.Encode("blocked");
    private static readonly JsonEncodedText Allowed = JsonEncodedText.Encode("allowed");
    private static readonly JsonEncodedText None = JsonEncodedText.Encode("none");

    private readonly TextWriter _output;
    private readonly ArrayBufferWriter<byte> _buffer = new(FlushThreshold + 1024);
    private readonly Utf8JsonWriter _json;
    private readonly JsonEncodedText[] _sourceNames;
    private readonly JsonEncodedText[] _categories;
    private char[] _chars = [];

    public JsonCheckWriter(TextWriter output, IReadOnlyList<ImageSource> sources)
    {
        _output = output;
        // Each object is a separate top-level value; SkipValidation lets Reset() start the next one cheaply.
        _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
        _sourceNames = new JsonEncodedText[sources.Count];
        _categories = new JsonEncodedText[sources.Count];
        for (int i = 0; i < sources.Count; i++)
        {
            _sourceNames[i] = JsonEncodedText.Encode(sources[i].Name);
            _categories[i] = JsonEncodedText.Encode(sources[i].Category);
        }
    }

    public override void Write(ReadOnlySpan<char> name, in CheckAnswer answer)
    {
        Utf8JsonWriter json = _json;
        json.WriteStartObject();
        json.WriteString(NameKey, name);
        json.WriteString(VerdictKey, answer.Verdict switch
        {
            Blocklist.Verdict.Blocked => Blocked,
            Blocklist.Verdict.Allowed => Allowed,
            _ => None,
        });
        if (answer.SourceIndex < 0)
        {
            json.WriteNull(RuleKey);
            json.WriteNull(SourceKey);
            json.WriteNull(CategoryKey);
        }
        else
        {
            json.WriteString(RuleKey, answer.Rule);
            json.WriteString(SourceKey, _sourceNames[answer.SourceIndex]);
            json.WriteString(CategoryKey, _categories[answer.SourceIndex]);
        }

        json.WriteEndObject();
        json.Flush(); // into _buffer, not to the output
        _buffer.GetSpan(1)[0] = (byte)'\n';
        _buffer.Advance(1);
        json.Reset();
        if (_buffer.WrittenCount >= FlushThreshold)
        {
            Drain();
        }
    }

    public override void Complete()
    {
        Drain();
        _output.Flush();
    }

    private void Drain()
    {
        ReadOnlySpan<byte> bytes = _buffer.WrittenSpan;
        if (bytes.IsEmpty)
        {
            return;
        }

        if (_output is StreamWriter { Encoding: UTF8Encoding } stream)
        {
            // The real stdout: skip decoding to text and encoding back to the same bytes.
            stream.Flush();
            stream.BaseStream.Write(bytes);
        }
        else
        {
            if (_chars.Length < bytes.Length)
            {
                _chars = new char[bytes.Length];
            }

            int count = Encoding.UTF8.GetChars(bytes, _chars);
            _output.Write(_chars, 0, count);
        }

        _buffer.ResetWrittenCount();
    }
}
