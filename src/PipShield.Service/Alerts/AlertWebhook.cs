using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Polly.Timeout;

namespace PipShield.Service.Alerts;

/// <summary>
/// POSTs alerts to the configured webhook from a background task, through a bounded queue: a slow or dead
/// webhook holds at most <see cref="AlertsOptions.MaxQueued"/> alerts (the oldest is dropped first) and never
/// slows whoever raised them. Retries with backoff come from the named client's resilience handler.
/// </summary>
internal sealed class AlertWebhook
{
    /// <summary>The named <see cref="HttpClient"/> (see <see cref="AlertsServices"/>).</summary>
    public const string ClientName = "PipShield.Alerts";

    public const string SignatureHeader = "X-PipShield-Signature";

    private readonly IHttpClientFactory _clients;
    private readonly Uri _url;
    private readonly byte[]? _secret;
    private readonly ILogger _logger;
    private readonly Channel<byte[]> _queue;
    private long _dropped;
    private long _reportedDrops;
    private long _delivered;
    private long _failed;

    public AlertWebhook(AlertsOptions options, IHttpClientFactory clients, ILogger logger)
    {
        _clients = clients;
        _url = new Uri(options.WebhookUrl!, UriKind.Absolute);
        _secret = options.WebhookSecret is { Length: > 0 } secret ? Encoding.UTF8.GetBytes(secret) : null;
        _logger = logger;
        Redacted = AlertsOptions.Redact(options.WebhookUrl!);
        _queue = Channel.CreateBounded<byte[]>(
            new BoundedChannelOptions(options.MaxQueued) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
    }

    /// <summary>The webhook's scheme, host and port: what may be logged of it.</summary>
    public string Redacted { get; }

    /// <summary>Alerts the webhook acknowledged with a 2xx status.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Alerts given up on after every retry failed.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Alerts dropped from a full queue.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Alerts waiting to be sent.</summary>
    public int Backlog => _queue.Reader.CanCount ? _queue.Reader.Count : 0;

    /// <summary>Queues one alert body; never waits.</summary>
    public void Enqueue(byte[] body) => _queue.Writer.TryWrite(body);

    /// <summary>No more alerts will be queued; <see cref="RunAsync"/> ends once the queue is empty.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>Sends queued alerts one at a time until <see cref="Complete"/> and an empty queue, or until
    /// <paramref name="stopping"/> (what is still queued is then counted and logged, not sent).</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            await foreach (byte[] body in _queue.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                ReportDrops();
                await SendAsync(body, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            int abandoned = 0;
            while (_queue.Reader.TryRead(out _))
            {
                abandoned++;
            }

            if (abandoned > 0)
            {
                AlertsLog.WebhookAbandoned(_logger, Redacted, abandoned);
            }
        }

        ReportDrops();
    }

    /// <summary>The signature header's value for <paramref name="body"/>: <c>sha256=</c> and the lower-case hex HMAC.</summary>
    public static string Signature(byte[] secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, body));

    private async Task SendAsync(byte[] body, CancellationToken stopping)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        if (_secret is not null)
        {
            request.Headers.Add(SignatureHeader, Signature(_secret, body));
        }

        try
        {
            using HttpResponseMessage response = await _clients.CreateClient(ClientName).SendAsync(request, stopping).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref _delivered);
                return;
            }

            AlertsLog.WebhookFailed(_logger, Redacted, Interlocked.Increment(ref _failed), new HttpRequestException(
                $"the webhook answered {(int)response.StatusCode}", null, response.StatusCode));
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException
            || (ex is OperationCanceledException && !stopping.IsCancellationRequested))
        {
            AlertsLog.WebhookFailed(_logger, Redacted, Interlocked.Increment(ref _failed), ex);
        }
    }

    private void ReportDrops()
    {
        long dropped = Dropped;
        if (dropped != _reportedDrops)
        {
            _reportedDrops = dropped;
            AlertsLog.WebhookDropped(_logger, Redacted, dropped);
        }
    }
}
