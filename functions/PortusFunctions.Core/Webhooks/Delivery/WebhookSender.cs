using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using PortusFunctions.Webhooks.Outbox;
using PortusFunctions.Webhooks.Subscriptions;

namespace PortusFunctions.Webhooks.Delivery;

/// <summary>The result of one delivery attempt.</summary>
/// <param name="StatusCode">HTTP status of the response, or null when none arrived.</param>
/// <param name="Error">Why the attempt failed, or null when the target returned 2xx.</param>
/// <param name="RetryAfter">Delay the target asked for with <c>Retry-After</c>, or null.</param>
/// <param name="Elapsed">Time the attempt took.</param>
/// <param name="Blocked">Whether the request was not sent because the target's scheme or address is rejected.</param>
public sealed record SendOutcome(int? StatusCode, string? Error, TimeSpan? RetryAfter, TimeSpan Elapsed, bool Blocked = false)
{
    /// <summary>Whether the target accepted the delivery.</summary>
    public bool IsSuccess => StatusCode is >= 200 and <= 299;

    /// <summary>Whether the target returned 410 Gone, which disables the subscription.</summary>
    public bool IsGone => StatusCode == 410;
}

/// <summary>
/// Sends one attempt of a delivery: a POST of the stored body with the delivery headers, the subscription's own
/// headers and, with a secret, the signature.
/// </summary>
/// <remarks>
/// Headers of every request: <c>Portus-Delivery-Id</c> (the same on every attempt), <c>Portus-Event-Id</c>,
/// <c>Portus-Event-Type</c>, <c>Portus-Timestamp</c> (Unix seconds of this attempt), <c>Portus-Attempt</c>, and
/// <see cref="WebhookSignature.Header"/> when the subscription has a secret. Redirects are not followed, so a 3xx
/// counts as a failure.
/// </remarks>
public class WebhookSender
{
    /// <summary>Name of the HTTP client that the factory configures with <see cref="WebhookTargetGuard.CreateHandler"/>.</summary>
    public const string HttpClientName = "PortusWebhooks";

    /// <summary>Marks webhook requests, so telemetry can leave their paths and queries out of traces.</summary>
    public static readonly HttpRequestOptionsKey<bool> WebhookRequestOption = new("Portus.WebhookRequest");

    private const int MaxErrorBodyCharacters = 200;

    private readonly IHttpClientFactory _clients;
    private readonly WebhookTargetGuard _guard;
    private readonly IOptionsMonitor<OutboxOptions> _options;
    private readonly TimeProvider _clock;

    /// <summary>Creates the sender.</summary>
    public WebhookSender(IHttpClientFactory clients, WebhookTargetGuard guard, IOptionsMonitor<OutboxOptions> options, TimeProvider clock)
    {
        _clients = clients;
        _guard = guard;
        _options = options;
        _clock = clock;
    }

    /// <summary>Whether <paramref name="request"/> is a webhook delivery.</summary>
    public static bool IsWebhookRequest(HttpRequestMessage request) =>
        request is not null && request.Options.TryGetValue(WebhookRequestOption, out var marked) && marked;

    /// <summary>Sends attempt <see cref="DeliveryRecord.Attempts"/> of <paramref name="delivery"/>.</summary>
    public virtual async Task<SendOutcome> SendAsync(Subscription subscription, DeliveryRecord delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(delivery);

        var started = Stopwatch.GetTimestamp();
        if (_guard.RejectScheme(subscription.Url) is { } rejected)
        {
            return new SendOutcome(null, rejected, null, TimeSpan.Zero, Blocked: true);
        }

        var timeout = _options.CurrentValue.RequestTimeout;
        using var request = CreateRequest(subscription, delivery);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var client = _clients.CreateClient(HttpClientName);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var error = response.IsSuccessStatusCode
                ? null
                : $"HTTP {status} {response.ReasonPhrase}{await ReadErrorBodyAsync(response, deadline.Token).ConfigureAwait(false)}";
            return new SendOutcome(status, error, RetryAfter(response), Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SendOutcome(null, $"no response within {timeout.TotalSeconds:0.###} s (Outbox__RequestTimeout)", null, Stopwatch.GetElapsedTime(started));
        }
        catch (HttpRequestException exception) when (FindBlocked(exception) is { } blocked)
        {
            return new SendOutcome(null, blocked.Message, null, Stopwatch.GetElapsedTime(started), Blocked: true);
        }
        catch (HttpRequestException exception)
        {
            return new SendOutcome(null, $"request failed: {exception.Message}", null, Stopwatch.GetElapsedTime(started));
        }
    }

    private HttpRequestMessage CreateRequest(Subscription subscription, DeliveryRecord delivery)
    {
        var body = Encoding.UTF8.GetBytes(delivery.Body);
        var timestamp = _clock.GetUtcNow().ToUnixTimeSeconds();
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(delivery.ContentType);

        var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url) { Content = content };
        request.Options.Set(WebhookRequestOption, true);
        if (!subscription.Headers.Keys.Any(name => name.Equals("User-Agent", StringComparison.OrdinalIgnoreCase)))
        {
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("PortusFunctions-Webhooks", "1.0"));
        }

        foreach (var (name, value) in subscription.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        request.Headers.Add("Portus-Delivery-Id", delivery.DeliveryId);
        request.Headers.Add("Portus-Event-Id", delivery.EventId);
        request.Headers.Add("Portus-Event-Type", delivery.EventType);
        request.Headers.Add("Portus-Timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Portus-Attempt", delivery.Attempts.ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(subscription.Secret))
        {
            request.Headers.Add(WebhookSignature.Header, WebhookSignature.Create(subscription.Secret, timestamp, body));
        }

        return request;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        return header?.Date is { } date ? date - _clock.GetUtcNow() : null;
    }

    private static async Task<string> ReadErrorBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var buffer = new byte[MaxErrorBodyCharacters * 4];
                var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                var text = Encoding.UTF8.GetString(buffer, 0, read).ReplaceLineEndings(" ").Trim();
                if (text.Length > MaxErrorBodyCharacters)
                {
                    text = text[..MaxErrorBodyCharacters] + "...";
                }

                return text.Length == 0 ? "" : $": {text}";
            }
        }
        catch (HttpRequestException)
        {
            return "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static BlockedTargetException? FindBlocked(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is BlockedTargetException blocked)
            {
                return blocked;
            }
        }

        return null;
    }
}
