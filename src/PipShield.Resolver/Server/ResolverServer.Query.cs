using System.Diagnostics;
using PipShield.Resolver.Listeners;
using PipShield.Resolver.Pipeline;

namespace PipShield.Resolver.Server;

public sealed partial class ResolverServer
{
    /// <summary>
    /// Answers one query through the same pipeline the listeners use, for a transport served outside this server
    /// (DNS-over-HTTPS in the service host). Uses a pooled query context, so the same cap on queries in flight applies.
    /// </summary>
    /// <param name="request">The DNS message as received; the caller keeps ownership.</param>
    /// <param name="response">Receives the reply; <see cref="QueryContext.MaxMessageSize"/> bytes always suffice.</param>
    /// <returns>The reply's length; 0 when the query is dropped (not a query, refused by admission, or the server is stopping).</returns>
    /// <remarks>May complete synchronously (cache hits, blocked names). Never throws for a bad message.</remarks>
    public async ValueTask<int> QueryAsync(ReadOnlyMemory<byte> request, ClientAddress client, DeviceIdentity? device, Transport transport,
        Memory<byte> response, CancellationToken cancellationToken = default)
    {
        if (_pipeline is null || Volatile.Read(ref _stopped) != 0 || request.Length > QueryContext.MaxMessageSize)
        {
            return 0;
        }

        _metrics.Query();
        if (_contexts.IsExhausted)
        {
            _metrics.Overload();
            return OverloadResponse.Write(request.Span, response.Span);
        }

        QueryContext query = _contexts.Rent();
        try
        {
            request.Span.CopyTo(query.Request);
            query.RequestLength = request.Length;
            query.Transport = transport;
            query.Client = client;
            query.Device = device;
            query.MaxResponseSize = QueryContext.MaxMessageSize;
            query.ReceivedTimestamp = Stopwatch.GetTimestamp();

            bool answered;
            using (CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, cancellationToken))
            {
                try
                {
                    answered = await _pipeline.ProcessAsync(query, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    answered = false;
                }
            }

            if (!answered || query.ResponseLength > response.Length)
            {
                _metrics.Drop();
                return 0;
            }

            query.Response.AsSpan(0, query.ResponseLength).CopyTo(response.Span);
            _metrics.Response();
            return query.ResponseLength;
        }
        finally
        {
            _contexts.Return(query);
        }
    }
}
