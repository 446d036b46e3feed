using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using PortusFunctions.Access;
using PortusFunctions.Events;
using PortusFunctions.Storage;

namespace PortusFunctions.Http;

/// <summary>
/// <c>POST /v2/webhooks/events</c>: receives registry notifications, stores them, and returns 202 once they are
/// stored.
/// </summary>
/// <remarks>
/// The registry retries every non-2xx response and holds back later events meanwhile, so an authenticated body that
/// parses gets 202 even when some of its events are ignored or quarantined. Only a body that can never
/// succeed gets a 4xx, and only a storage outage gets 503.
/// </remarks>
public sealed partial class WebhookEndpoint
{
    /// <summary>Path of the endpoint on both hosts.</summary>
    public const string Route = "v2/webhooks/events";

    private static readonly string[] AcceptedMediaTypes =
    [
        "application/vnd.docker.distribution.events.v1+json",
        "application/vnd.docker.distribution.events.v2+json",
        "application/json",
    ];

    private readonly IEventIngestion _ingestion;
    private readonly IOptionsMonitor<WebhookOptions> _options;
    private readonly IOptionsMonitor<AccessOptions> _access;
    private readonly ILogger<WebhookEndpoint> _logger;

    /// <summary>Creates the endpoint.</summary>
    public WebhookEndpoint(
        IEventIngestion ingestion,
        IOptionsMonitor<WebhookOptions> options,
        IOptionsMonitor<AccessOptions> access,
        ILogger<WebhookEndpoint> logger)
    {
        _ingestion = ingestion;
        _options = options;
        _access = access;
        _logger = logger;
    }

    /// <summary>Handles one delivery.</summary>
    public async Task<IResult> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        var options = _options.CurrentValue;
        if (!IsAuthorized(request, options))
        {
            LogRejected(request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown", "missing or wrong Authorization header");
            return Problems.Result(
                StatusCodes.Status401Unauthorized,
                "Missing or wrong webhook secret",
                "Send the secret of the setting Webhook__Secret as 'Authorization: Bearer SECRET' (the headers of the registry's notification endpoint).");
        }

        if (!IsAcceptedContentType(request.ContentType))
        {
            return Problems.Result(
                StatusCodes.Status415UnsupportedMediaType,
                "Unsupported content type",
                $"Content-Type '{request.ContentType}' is not accepted; send one of {string.Join(", ", AcceptedMediaTypes)}.");
        }

        if (request.ContentLength > options.MaxBodyBytes)
        {
            return TooLarge(request.ContentLength.Value, options.MaxBodyBytes);
        }

        try
        {
            using var body = await ReadBodyAsync(request, options.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
            if (body is null)
            {
                return TooLarge(request.ContentLength ?? options.MaxBodyBytes + 1L, options.MaxBodyBytes);
            }

            var parsed = EnvelopeParser.Parse(body.GetBuffer().AsMemory(0, (int)body.Length), options.MaxEventsPerRequest);
            if (!parsed.IsSuccess)
            {
                LogRejected(request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown", parsed.Error!);
                return parsed.IsTooLarge
                    ? Problems.Result(StatusCodes.Status413RequestEntityTooLarge, "Too many events", parsed.Error!)
                    : Problems.Result(StatusCodes.Status400BadRequest, "Invalid notification body", parsed.Error!);
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.StoreTimeout);
            var result = await _ingestion.IngestAsync(parsed.Events, deadline.Token).ConfigureAwait(false);
            return Results.Json(result, ApiJson.Api.IngestResult, statusCode: StatusCodes.Status202Accepted);
        }
        catch (StorageUnavailableException exception)
        {
            LogStorageUnavailable(exception);
            return Problems.StorageUnavailable("The events were not stored because Table Storage is unavailable; send them again later.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogStoreTimedOut(options.StoreTimeout.TotalSeconds);
            return Problems.StorageUnavailable(
                $"Table Storage did not confirm the events within {options.StoreTimeout.TotalSeconds:0.###} s (setting Webhook__StoreTimeout); send them again later.");
        }
    }

    private bool IsAuthorized(HttpRequest request, WebhookOptions options)
    {
        if (string.IsNullOrEmpty(options.Secret))
        {
            // Only reachable in development mode: the start fails without a secret otherwise.
            return _access.CurrentValue.DevelopmentMode;
        }

        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && SecretComparer.Matches(header.AsSpan(scheme.Length).Trim(), options.Secret);
    }

    private static bool IsAcceptedContentType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return true;
        }

        return MediaTypeHeaderValue.TryParse(contentType, out var parsed)
            && AcceptedMediaTypes.Contains(parsed.MediaType.ToString(), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Reads the body into memory, or returns null as soon as it exceeds <paramref name="limit"/> bytes.</summary>
    private static async Task<MemoryStream?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        var body = new MemoryStream((int)Math.Clamp(request.ContentLength ?? 4096, 0, limit));
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (body.Length + read > limit)
                {
                    await body.DisposeAsync().ConfigureAwait(false);
                    return null;
                }

                body.Write(chunk, 0, read);
            }

            return body;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static IResult TooLarge(long length, int limit) => Problems.Result(
        StatusCodes.Status413RequestEntityTooLarge,
        "Body too large",
        $"The body is {length} bytes or more; at most {limit} are accepted (setting Webhook__MaxBodyBytes).");

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Delivery from {RemoteAddress} rejected: {Reason}")]
    private partial void LogRejected(string remoteAddress, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Delivery not stored: storage is unavailable; returned 503")]
    private partial void LogStorageUnavailable(Exception exception);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "Delivery not confirmed by storage within {Seconds} s; returned 503")]
    private partial void LogStoreTimedOut(double seconds);
}
