using System.Text;
using PipShield.Service.Cli;

namespace PipShield.Service;

internal static class Program
{
    private static int Main(string[] args)
    {
        // Large buffers and no auto-flush: `pipshield check` may write a line for each of millions of names.
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        using var stdout = new StreamWriter(Console.OpenStandardOutput(), utf8, bufferSize: 1 << 16) { AutoFlush = false };
        using var stdin = new StreamReader(Console.OpenStandardInput(), utf8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        return PipShieldCli.Run(args, stdout, Console.Error, stdin);
    }
}
