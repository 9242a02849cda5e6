using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using PipShield.Resolver.Upstream;

namespace PipShield.Bench;

public sealed class UpstreamConfig : ManualConfig
{
    public UpstreamConfig()
    {
        AddJob(BenchJobs.Short("Upstream"));
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}

/// <summary>
/// Forwarding queries to an upstream over loopback: PipShield's <see cref="UpstreamPool"/> over DNS-over-TLS (one kept,
/// pipelined connection) against ARSoft.Tools.Net's <c>TlsClientTransport</c> (the library a forwarder would otherwise
/// use), with the pool over plain UDP as the baseline. The upstream is the same minimal DoT/UDP echo server for all
/// (it returns each query as its reply), so the differences are the clients'. Each operation sends <c>Concurrency</c>
/// queries at once and waits for all of them; divide by it for the time per query.
/// </summary>
[Config(typeof(UpstreamConfig))]
public class UpstreamBenchmarks
{
    private EchoServer _server = null!;
    private UpstreamPool _tlsPool = null!;
    private UpstreamPool _udpPool = null!;
    private ARSoft.Tools.Net.Dns.DnsClient _arsoft = null!;
    private byte[] _query = null!;
    private string _caFile = null!;

    [Params(1, 32)]
    public int Concurrency { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _server = EchoServer.Start();
        _caFile = Path.Combine(Path.GetTempPath(), $"pipshield-bench-ca-{Environment.ProcessId}.pem");
        File.WriteAllText(_caFile, _server.Certificate.ExportCertificatePem());
        _tlsPool = new UpstreamPool(new UpstreamOptions { Servers = [$"tls://127.0.0.1:{_server.TlsPort}#{EchoServer.Name}"], CaFile = _caFile });
        _udpPool = new UpstreamPool(new UpstreamOptions { Servers = [$"127.0.0.1:{_server.UdpPort}"] });
        var transport = new TlsClientTransport(new SslClientAuthenticationOptions
        {
            TargetHost = EchoServer.Name,
            RemoteCertificateValidationCallback = (_, certificate, _, errors) => certificate is not null && errors == SslPolicyErrors.RemoteCertificateChainErrors
                && certificate.GetCertHashString() == _server.Certificate.GetCertHashString(),
        }, _server.TlsPort);
        _arsoft = new ARSoft.Tools.Net.Dns.DnsClient([IPAddress.Loopback], [transport], true, 5000);
        _query = Query("www.example.org");

        // Both clients must really get answers, or the figures would time failures.
        if (PipShieldTls().GetAwaiter().GetResult() != Concurrency || ArSoftTls().GetAwaiter().GetResult() != Concurrency
            || PipShieldUdp().GetAwaiter().GetResult() != Concurrency)
        {
            throw new InvalidOperationException("an upstream client got no answer from the echo server");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tlsPool.Dispose();
        _udpPool.Dispose();
        ((IDisposable)_arsoft).Dispose();
        _server.Dispose();
        File.Delete(_caFile);
    }

    [Benchmark(Baseline = true)]
    public Task<int> PipShieldUdp() => RunAsync(_udpPool);

    [Benchmark]
    public Task<int> PipShieldTls() => RunAsync(_tlsPool);

    /// <summary>
    /// ARSoft's client sends the queries one after another: given 32 at once on its TLS transport, some replies never
    /// reached it within its 5-second timeout (seen on this echo server, which answers each connection's queries in
    /// order), so only its sequential throughput can be compared.
    /// </summary>
    [Benchmark]
    public async Task<int> ArSoftTls()
    {
        var name = DomainName.Parse("www.example.org");
        int answered = 0;
        for (int i = 0; i < Concurrency; i++)
        {
            answered += await _arsoft.ResolveAsync(name, RecordType.A) is not null ? 1 : 0;
        }

        return answered;
    }

    private async Task<int> RunAsync(UpstreamPool pool)
    {
        var results = new Task<UpstreamResult>[Concurrency];
        for (int i = 0; i < results.Length; i++)
        {
            results[i] = AskAsync(pool);
        }

        int answered = 0;
        foreach (Task<UpstreamResult> result in results)
        {
            answered += (await result).Status == UpstreamStatus.Ok ? 1 : 0;
        }

        return answered;
    }

    private async Task<UpstreamResult> AskAsync(UpstreamPool pool)
    {
        byte[] response = System.Buffers.ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            return await pool.QueryAsync(_query, response, CancellationToken.None);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(response);
        }
    }

    private static byte[] Query(string name)
    {
        var bytes = new List<byte> { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (string label in name.Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }

        bytes.AddRange([0, 0, 1, 0, 1]);
        return [.. bytes];
    }

    /// <summary>Answers every query with itself, QR and RA set (NOERROR, no records), over UDP and DoT on loopback.</summary>
    private sealed class EchoServer : IDisposable
    {
        public const string Name = "upstream.bench.example";

        private readonly Socket _udp = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly TcpListener _tls = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stopping = new();

        private EchoServer()
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={Name}", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(Name);
            request.CertificateExtensions.Add(names.Build());
            using X509Certificate2 created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            Certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
            _udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _tls.Start();
        }

        public X509Certificate2 Certificate { get; }

        public int UdpPort => ((IPEndPoint)_udp.LocalEndPoint!).Port;

        public int TlsPort => ((IPEndPoint)_tls.LocalEndpoint).Port;

        public static EchoServer Start()
        {
            var server = new EchoServer();
            _ = Task.Run(server.ServeUdpAsync);
            _ = Task.Run(server.AcceptAsync);
            return server;
        }

        public void Dispose()
        {
            _stopping.Cancel();
            _udp.Dispose();
            _tls.Stop();
            Certificate.Dispose();
        }

        private static void MakeReply(Span<byte> message) => message[2] |= 0x80;

        private async Task ServeUdpAsync()
        {
            byte[] buffer = new byte[4096];
            EndPoint any = new IPEndPoint(IPAddress.Any, 0);
            while (!_stopping.IsCancellationRequested)
            {
                try
                {
                    SocketReceiveFromResult received = await _udp.ReceiveFromAsync(buffer, any, _stopping.Token);
                    MakeReply(buffer.AsSpan(0, received.ReceivedBytes));
                    await _udp.SendToAsync(buffer.AsMemory(0, received.ReceivedBytes), received.RemoteEndPoint, _stopping.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    if (_stopping.IsCancellationRequested)
                    {
                        return;
                    }
                }
            }
        }

        private async Task AcceptAsync()
        {
            while (!_stopping.IsCancellationRequested)
            {
                try
                {
                    Socket socket = await _tls.AcceptSocketAsync(_stopping.Token);
                    socket.NoDelay = true;
                    _ = Task.Run(() => ServeTlsAsync(socket));
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }
            }
        }

        private async Task ServeTlsAsync(Socket socket)
        {
            await using var stream = new SslStream(new NetworkStream(socket, ownsSocket: true));
            try
            {
                await stream.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = Certificate }, _stopping.Token);
                byte[] buffer = new byte[65537];
                while (true)
                {
                    await stream.ReadExactlyAsync(buffer.AsMemory(0, 2), _stopping.Token);
                    int length = BinaryPrimitives.ReadUInt16BigEndian(buffer);
                    await stream.ReadExactlyAsync(buffer.AsMemory(2, length), _stopping.Token);
                    MakeReply(buffer.AsSpan(2, length));
                    await stream.WriteAsync(buffer.AsMemory(0, length + 2), _stopping.Token);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
            {
                // The client closed the connection, or the benchmark is over.
            }
        }
    }
}
