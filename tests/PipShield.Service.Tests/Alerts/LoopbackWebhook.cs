using System.Net;

namespace PipShield.Service.Tests.Alerts;

/// <summary>
/// An HTTP endpoint on 127.0.0.1 that records each request and answers with the next scripted status
/// (200 once the script runs out), or never answers when told to hang.
/// </summary>
internal sealed class LoopbackWebhook : IAsyncDisposable
{
    private const int MaxRequests = 1000;

    private readonly HttpListener _listener = new();
    private readonly Queue<HttpStatusCode> _script;
    private readonly bool _hang;
    private readonly List<Request> _requests = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _serving;

    public LoopbackWebhook(IEnumerable<HttpStatusCode>? script = null, bool hang = false)
    {
        _script = new Queue<HttpStatusCode>(script ?? []);
        _hang = hang;
        for (int attempt = 0; ; attempt++)
        {
            int port = Hosting.HostTestKit.FreePort();
            Url = $"http://127.0.0.1:{port}/hooks/pipshield/";
            _listener.Prefixes.Add(Url);
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                _listener.Prefixes.Clear();
            }
        }

        _serving = ServeAsync();
    }

    public string Url { get; }

    public IReadOnlyList<Request> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Waits (at most <paramref name="timeout"/>, polling) until <paramref name="count"/> requests have arrived.</summary>
    public async Task<IReadOnlyList<Request>> WaitForAsync(int count, TimeSpan timeout)
    {
        for (int attempt = 0; attempt < (int)(timeout.TotalMilliseconds / 50) && Requests.Count < count; attempt++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        return Requests;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Close();
        try
        {
            await _serving;
        }
        catch (Exception ex) when (ex is ObjectDisposedException or HttpListenerException or OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private async Task ServeAsync()
    {
        for (int i = 0; i < MaxRequests && !_stopping.IsCancellationRequested; i++)
        {
            HttpListenerContext context = await _listener.GetContextAsync();
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body, _stopping.Token);
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k], StringComparer.OrdinalIgnoreCase);
            lock (_requests)
            {
                _requests.Add(new Request(context.Request.HttpMethod, context.Request.ContentType, headers, body.ToArray()));
            }

            if (_hang)
            {
                continue; // never answered: the client's attempt times out
            }

            HttpStatusCode status;
            lock (_script)
            {
                status = _script.Count > 0 ? _script.Dequeue() : HttpStatusCode.OK;
            }

            context.Response.StatusCode = (int)status;
            context.Response.Close();
        }
    }

    public sealed record Request(string Method, string? ContentType, Dictionary<string, string?> Headers, byte[] Body);
}
