using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using ChatService.Observability;
using ChatService.Storage;

namespace ChatService.Webhooks;

/// <summary>
/// Writes queued events to the outbox table and delivers them: per endpoint, oldest first, one POST at
/// a time, signed; a delivery leaves the table only when its endpoint answered 2xx. A failed POST waits
/// (1 s, 2 s, 4 s... up to RetryMax) and holds back that endpoint's later events so they keep their
/// order; other endpoints and the chat itself never wait for it. At-least-once: a receiver may see an
/// event twice (a lost answer, a restart mid-POST) and dedupes by its id.
/// </summary>
public sealed class WebhookDispatcher(
    WebhookOptions options, WebhookEvents events, IWebhookStore store, ChatMetrics metrics, TimeProvider time, ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string SignatureHeader = "ChatGrpc-Signature";
    public const string EventIdHeader = "ChatGrpc-Event-Id";
    public const string EventTypeHeader = "ChatGrpc-Event-Type";

    private const int ClaimBatch = 20;

    private readonly Dictionary<string, SemaphoreSlim> _recorded = options.Endpoints.ToDictionary(e => e.Key, _ => new SemaphoreSlim(0, 1));

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = options.Timeout };

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // What is queued is still written to the table, so it is delivered after the restart.
        events.Complete();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll([RecordAsync(), .. options.Endpoints.Select(e => DeliverAsync(e, stoppingToken))]);

    private async Task RecordAsync()
    {
        var batch = new List<WebhookDelivery>();
        while (await events.Queue.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < 256 && events.Queue.TryRead(out var pending))
            {
                try
                {
                    batch.AddRange(await events.ToDeliveriesAsync(pending, CancellationToken.None).ConfigureAwait(false));
                }
                catch (Exception ex)
                {
                    logger.LogError(ex, "A {Type} webhook event could not be built and is dropped", pending.Type);
                }
            }

            await WriteAsync(batch).ConfigureAwait(false);
            foreach (var endpoint in batch.Select(d => d.Endpoint).Distinct())
            {
                Wake(endpoint);
            }
        }
    }

    /// <summary>Writes a batch to the outbox, trying again while the store refuses (a full disk, a dropped connection).</summary>
    private async Task WriteAsync(List<WebhookDelivery> batch)
    {
        for (var attempt = 1; batch.Count > 0; attempt++)
        {
            try
            {
                await store.AddAsync(batch).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (attempt < 10)
            {
                logger.LogWarning(ex, "Writing {Count} webhook events to the outbox failed (attempt {Attempt}); retrying", batch.Count, attempt);
                await Task.Delay(Backoff(attempt), time).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Writing {Count} webhook events to the outbox failed {Attempt} times; they are dropped", batch.Count, attempt);
                return;
            }
        }
    }

    private void Wake(string endpoint)
    {
        var signal = _recorded[endpoint];
        if (signal.CurrentCount == 0)
        {
            try
            {
                signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Woken by someone else at the same moment: one wake-up is enough.
            }
        }
    }

    private async Task DeliverAsync(WebhookEndpoint endpoint, CancellationToken stoppingToken)
    {
        // Long enough for a whole claimed batch to time out, so another node does not take it meanwhile.
        var claimFor = options.Timeout * (ClaimBatch + 1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var now = time.GetUtcNow();
                var due = await store.ClaimDueAsync(endpoint.Key, now, now + claimFor, ClaimBatch, stoppingToken).ConfigureAwait(false);
                if (due.Count == 0)
                {
                    await _recorded[endpoint.Key].WaitAsync(options.PollInterval, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                await DeliverBatchAsync(endpoint, due, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Webhook delivery to {Endpoint} failed; trying again shortly", endpoint.Key);
                await Task.Delay(options.PollInterval, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task DeliverBatchAsync(WebhookEndpoint endpoint, IReadOnlyList<WebhookDelivery> due, CancellationToken stoppingToken)
    {
        for (var i = 0; i < due.Count; i++)
        {
            var delivery = due[i];
            string? failure;
            try
            {
                failure = await PostAsync(endpoint, delivery, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping: hand back what this node claimed but did not send, so the next start (or
                // another node) takes it at once instead of after the claim runs out.
                var released = time.GetUtcNow();
                foreach (var unsent in due.Skip(i))
                {
                    await store.RetryAtAsync(unsent, unsent.Attempts, released, CancellationToken.None).ConfigureAwait(false);
                }

                throw;
            }

            if (failure is null)
            {
                await store.DeleteAsync(delivery, CancellationToken.None).ConfigureAwait(false);
                metrics.Webhook("delivered");
                continue;
            }

            var now = time.GetUtcNow();
            if (now - delivery.CreatedAt >= options.GiveUpAfter)
            {
                logger.LogError("Gave up on webhook event {EventId} ({Type}) for {Endpoint} after {Attempts} attempts: {Failure}",
                    delivery.EventId, delivery.Kind, endpoint.Key, delivery.Attempts + 1, failure);
                await store.DeleteAsync(delivery, CancellationToken.None).ConfigureAwait(false);
                metrics.Webhook("expired");
                continue;
            }

            metrics.Webhook("retried");
            var attempts = delivery.Attempts + 1;
            var next = now + Backoff(attempts);
            logger.LogWarning("Webhook {Endpoint} refused event {EventId} (attempt {Attempts}): {Failure}; next try at {Next:O}",
                endpoint.Key, delivery.EventId, attempts, failure, next);
            await store.RetryAtAsync(delivery, attempts, next, CancellationToken.None).ConfigureAwait(false);
            // The rest of the batch waits as long, so this endpoint's events keep their order.
            foreach (var later in due.Skip(i + 1))
            {
                await store.RetryAtAsync(later, later.Attempts, next, CancellationToken.None).ConfigureAwait(false);
            }

            return;
        }
    }

    /// <summary>Null when the endpoint took the event (2xx); otherwise why not, in a few words.</summary>
    private async Task<string?> PostAsync(WebhookEndpoint endpoint, WebhookDelivery delivery, CancellationToken stoppingToken)
    {
        var body = Encoding.UTF8.GetBytes(delivery.Body);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(EventIdHeader, delivery.EventId);
        request.Headers.Add(EventTypeHeader, delivery.Kind);
        request.Headers.Add(SignatureHeader, $"t={timestamp},v1={Sign(endpoint.Secret, timestamp, body)}");
        try
        {
            using var response = await _http.SendAsync(request, stoppingToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
        }
        catch (HttpRequestException ex)
        {
            return ex.HttpRequestError.ToString();
        }
        catch (TaskCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return $"no answer within {options.Timeout.TotalSeconds:0.#} s";
        }
    }

    /// <summary>Hex HMAC-SHA256 of "{timestamp}.{body}": the timestamp is signed so a captured request cannot be replayed later.</summary>
    internal static string Sign(string secret, long timestamp, byte[] body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed, prefix.Length);
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    private TimeSpan Backoff(int attempts)
    {
        var doubled = options.RetryInitial.TotalMilliseconds * Math.Pow(2, Math.Min(attempts - 1, 30));
        var capped = Math.Min(doubled, options.RetryMax.TotalMilliseconds);
        // Up to a fifth either way, so endpoints that failed together do not retry in lockstep.
        return TimeSpan.FromMilliseconds(capped * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }
}
