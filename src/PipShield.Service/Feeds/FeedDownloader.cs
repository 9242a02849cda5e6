using System.Globalization;
using System.IO.Compression;
using System.Net;
using Polly.Timeout;

namespace PipShield.Service.Feeds;

/// <summary>
/// Fetches one feed into a temporary file: a conditional GET (ETag / If-Modified-Since), streamed to disk with a
/// size cap, checked against Content-Length, and un-gzipped when the body is a <c>.gz</c> file. Never throws for
/// network or server trouble: that comes back as <see cref="FeedDownloadOutcome.Failed"/> with the reason.
/// </summary>
internal sealed class FeedDownloader(HttpClient http, FeedsOptions options)
{
    private const int BufferSize = 1 << 16;

    /// <param name="previous">The state of the last good copy; its validators are sent when <paramref name="haveCopy"/>.</param>
    /// <param name="haveCopy">Whether the last good copy is on disk; without one there is nothing to keep, so no conditional request.</param>
    /// <param name="tempPath">Where the body goes; the caller deletes it.</param>
    public async Task<FeedDownload> DownloadAsync(FeedDefinition feed, FeedState? previous, bool haveCopy, string tempPath, CancellationToken cancellationToken)
    {
        long received = 0;
        try
        {
            if (feed.Path is { } path)
            {
                return await CopyLocalAsync(path, previous, haveCopy, tempPath, cancellationToken).ConfigureAwait(false);
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, feed.Url);
            if (haveCopy && previous is not null)
            {
                if (previous.ETag is { } etag)
                {
                    request.Headers.TryAddWithoutValidation("If-None-Match", etag);
                }

                if (previous.LastModified is { } lastModified)
                {
                    request.Headers.TryAddWithoutValidation("If-Modified-Since", lastModified);
                }
            }

            using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotModified)
            {
                return new FeedDownload(FeedDownloadOutcome.NotModified);
            }

            if (!response.IsSuccessStatusCode)
            {
                return FeedDownload.Fail($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd());
            }

            long? expected = response.Content.Headers.ContentLength;
            if (expected > options.MaxBytes)
            {
                return FeedDownload.Fail($"the body of {expected} bytes is over Feeds:MaxBytes ({options.MaxBytes}); refused");
            }

            // The pipeline's timeout covered the headers; this one covers the body.
            using var bodyTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bodyTimeout.CancelAfter(options.Timeout);
            Stream body = await response.Content.ReadAsStreamAsync(bodyTimeout.Token).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                received = await CopyCappedAsync(body, tempPath, n => received = n, bodyTimeout.Token).ConfigureAwait(false);
            }

            if (received < 0)
            {
                return FeedDownload.Fail($"the body is over Feeds:MaxBytes ({options.MaxBytes} bytes); refused, not cut");
            }

            // With Content-Encoding the handler drops Content-Length, and the decompressor notices a cut itself.
            if (expected is { } length && received != length)
            {
                return FeedDownload.Fail($"truncated: {received} of {length} bytes");
            }

            string? failure = await GunzipIfNeededAsync(tempPath, cancellationToken).ConfigureAwait(false);
            return failure is not null
                ? FeedDownload.Fail(failure)
                : new FeedDownload(FeedDownloadOutcome.Downloaded, Bytes: new FileInfo(tempPath).Length,
                    ETag: response.Headers.ETag?.ToString(),
                    LastModified: response.Content.Headers.LastModified?.ToString("R", CultureInfo.InvariantCulture));
        }
        catch (HttpRequestException ex)
        {
            return FeedDownload.Fail(Describe(ex));
        }
        catch (IOException ex)
        {
            return FeedDownload.Fail($"connection cut after {received} bytes: {Describe(ex)}");
        }
        catch (TimeoutRejectedException)
        {
            return FeedDownload.Fail($"no response within Feeds:Timeout ({options.Timeout})");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return FeedDownload.Fail($"timed out after {received} bytes (Feeds:Timeout {options.Timeout})");
        }
        catch (InvalidDataException ex)
        {
            return FeedDownload.Fail($"bad compressed data: {ex.Message}");
        }
        catch (UnauthorizedAccessException ex)
        {
            return FeedDownload.Fail(ex.Message);
        }
    }

    private async Task<FeedDownload> CopyLocalAsync(string path, FeedState? previous, bool haveCopy, string tempPath, CancellationToken cancellationToken)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            return FeedDownload.Fail($"{path} does not exist");
        }

        // A local file has no ETag: its size and time stand in for one.
        string fingerprint = string.Create(CultureInfo.InvariantCulture, $"file:{file.Length}:{file.LastWriteTimeUtc.Ticks}");
        if (haveCopy && previous?.ETag == fingerprint)
        {
            return new FeedDownload(FeedDownloadOutcome.NotModified);
        }

        var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, BufferSize, useAsync: true);
        long copied;
        await using (source.ConfigureAwait(false))
        {
            copied = await CopyCappedAsync(source, tempPath, null, cancellationToken).ConfigureAwait(false);
        }

        if (copied < 0)
        {
            return FeedDownload.Fail($"{path} is over Feeds:MaxBytes ({options.MaxBytes} bytes); refused");
        }

        string? failure = await GunzipIfNeededAsync(tempPath, cancellationToken).ConfigureAwait(false);
        return failure is not null
            ? FeedDownload.Fail(failure)
            : new FeedDownload(FeedDownloadOutcome.Downloaded, Bytes: new FileInfo(tempPath).Length, ETag: fingerprint);
    }

    /// <returns>Bytes written, or -1 when the source holds more than <see cref="FeedsOptions.MaxBytes"/>.</returns>
    private async Task<long> CopyCappedAsync(Stream source, string target, Action<long>? progress, CancellationToken cancellationToken)
    {
        var output = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, BufferSize, useAsync: true);
        await using (output.ConfigureAwait(false))
        {
            byte[] buffer = new byte[BufferSize];
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                progress?.Invoke(total);
                if (total > options.MaxBytes)
                {
                    return -1;
                }

                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            output.Flush(flushToDisk: true); // the file is renamed into place next: its bytes must be on disk first
            return total;
        }
    }

    /// <summary>Replaces a gzip file (magic 1f 8b, e.g. a <c>.gz</c> download) by its content, with the same cap.</summary>
    /// <returns>Null on success or when the file is not gzip; otherwise why it failed.</returns>
    private async Task<string?> GunzipIfNeededAsync(string path, CancellationToken cancellationToken)
    {
        byte[] magic = new byte[2];
        using (var probe = File.OpenRead(path))
        {
            if (await probe.ReadAtLeastAsync(magic, 2, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < 2
                || magic[0] != 0x1f || magic[1] != 0x8b)
            {
                return null;
            }
        }

        string unpacked = path + ".gunzip";
        try
        {
            long size;
            var compressed = File.OpenRead(path);
            await using (compressed.ConfigureAwait(false))
            {
                var gzip = new GZipStream(compressed, CompressionMode.Decompress);
                await using (gzip.ConfigureAwait(false))
                {
                    size = await CopyCappedAsync(gzip, unpacked, null, cancellationToken).ConfigureAwait(false);
                }
            }

            if (size < 0)
            {
                return $"the gzip content is over Feeds:MaxBytes ({options.MaxBytes} bytes) unpacked; refused";
            }

            File.Move(unpacked, path, overwrite: true);
            return null;
        }
        finally
        {
            File.Delete(unpacked);
        }
    }

    /// <summary>The innermost message, which is the one that says what went wrong.</summary>
    private static string Describe(Exception ex)
    {
        Exception inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return ReferenceEquals(inner, ex) ? ex.Message : $"{ex.Message} ({inner.Message})";
    }
}
