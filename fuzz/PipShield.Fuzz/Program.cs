using PipShield.Fuzz.Seeds;
using PipShield.Fuzz.Targets;
using SharpFuzz;

namespace PipShield.Fuzz;

/// <summary>
/// The fuzzing harness. <c>afl TARGET</c> runs under afl-fuzz (fuzz/run.sh sets that up); <c>replay</c> runs
/// files through a target without any fuzzer; <c>write-seeds</c> regenerates fuzz/corpus/.
/// </summary>
internal static class Program
{
    private static readonly Dictionary<string, ReadOnlySpanAction> Targets = new(StringComparer.Ordinal)
    {
        [QueryTarget.Name] = QueryTarget.Run,
        [ListsTarget.Name] = ListsTarget.Run,
        [ImageTarget.Name] = ImageTarget.Run,
        [AnswerTarget.Name] = AnswerTarget.Run,
    };

    private const string Usage = """
        usage: PipShield.Fuzz afl TARGET                  run TARGET under afl-fuzz (see fuzz/run.sh)
               PipShield.Fuzz replay TARGET PATH...       run each file, or every file under each folder, through TARGET
               PipShield.Fuzz write-seeds DIR             write the seed corpus to DIR/TARGET/ (fuzz/corpus)
        targets: query, answer, lists, image
        """;

    private static int Main(string[] args)
    {
        if (args is ["write-seeds", string directory])
        {
            return WriteSeeds(directory);
        }

        if (args.Length < 2 || !Targets.TryGetValue(args[1], out ReadOnlySpanAction? target))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        switch (args[0])
        {
            case "afl" when args.Length == 2:
                // The out-of-process server restarts the target's process after a fatal fault (a read off the
                // end of the image hitting the guard page), so afl-fuzz records it as a crash and goes on.
                Fuzzer.OutOfProcess.Run(stream =>
                {
                    using var input = new MemoryStream();
                    stream.CopyTo(input);
                    target(input.GetBuffer().AsSpan(0, (int)input.Length));
                });
                return 0;
            case "replay" when args.Length >= 3:
                return Replay(args[1], target, args[2..]);
            default:
                Console.Error.WriteLine(Usage);
                return 2;
        }
    }

    private static int Replay(string name, ReadOnlySpanAction target, string[] paths)
    {
        int inputs = 0;
        int findings = 0;
        foreach (string path in paths)
        {
            IEnumerable<string> files = File.Exists(path) ? [path] : FuzzInputs.Files(path);
            foreach (string file in files)
            {
                inputs++;
                try
                {
                    target(File.ReadAllBytes(file));
                }
                catch (Exception ex)
                {
                    findings++;
                    Console.WriteLine($"FINDING {file}");
                    Console.WriteLine(ex);
                }
            }
        }

        Console.WriteLine($"replay {name}: {inputs} inputs, {findings} findings");
        return findings == 0 ? 0 : 1;
    }

    private static int WriteSeeds(string directory)
    {
        (string Target, IEnumerable<(string Name, byte[] Bytes)> Seeds)[] sets =
        [
            (QueryTarget.Name, QuerySeeds.All()),
            (AnswerTarget.Name, AnswerSeeds.All()),
            (ListsTarget.Name, ListSeeds.All()),
            (ImageTarget.Name, ImageSeeds.All()),
        ];
        foreach (var (target, seeds) in sets)
        {
            string folder = Path.Combine(directory, target);
            Directory.CreateDirectory(folder);
            foreach (var (name, bytes) in seeds)
            {
                File.WriteAllBytes(Path.Combine(folder, name), bytes);
                Console.WriteLine($"{Path.Combine(folder, name)} ({bytes.Length} bytes)");
            }
        }

        return 0;
    }
}
