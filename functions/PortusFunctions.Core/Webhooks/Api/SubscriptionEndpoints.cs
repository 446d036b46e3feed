using System.Buffers;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using PortusFunctions.Http;
using PortusFunctions.Storage;
using PortusFunctions.Webhooks.Delivery;
using PortusFunctions.Webhooks.Outbox;
using PortusFunctions.Webhooks.Subscriptions;

namespace PortusFunctions.Webhooks.Api;

/// <summary>
/// The admin API of webhook subscriptions: create, list, read, delete, and list a subscription's recent deliveries.
/// Every call needs the admin key.
/// </summary>
public sealed partial class SubscriptionEndpoints
{
    /// <summary>Path of the collection.</summary>
    public const string CollectionRoute = "api/subscriptions";

    /// <summary>Path of one subscription.</summary>
    public const string ItemRoute = "api/subscriptions/{id}";

    /// <summary>Path of a subscription's deliveries.</summary>
    public const string DeliveriesRoute = "api/subscriptions/{id}/deliveries";

    /// <summary>Largest accepted request body in bytes.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Deliveries listed when the request sets no <c>limit</c>.</summary>
    public const int DefaultDeliveryLimit = 50;

    /// <summary>Largest accepted <c>limit</c>.</summary>
    public const int MaxDeliveryLimit = 500;

    private readonly ApiAccess _access;
    private readonly ISubscriptionStore _subscriptions;
    private readonly IOutboxStore _outbox;
    private readonly WebhookTargetGuard _guard;
    private readonly TimeProvider _clock;
    private readonly ILogger<SubscriptionEndpoints> _logger;

    /// <summary>Creates the endpoints.</summary>
    public SubscriptionEndpoints(
        ApiAccess access,
        ISubscriptionStore subscriptions,
        IOutboxStore outbox,
        WebhookTargetGuard guard,
        TimeProvider clock,
        ILogger<SubscriptionEndpoints> logger)
    {
        _access = access;
        _subscriptions = subscriptions;
        _outbox = outbox;
        _guard = guard;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>Handles <c>POST /api/subscriptions</c>: 201 with the subscription, or 400 naming each invalid field.</summary>
    public async Task<IResult> CreateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        if (_access.RequireAdmin(request) is { } denied)
        {
            return denied;
        }

        if (!string.IsNullOrEmpty(request.ContentType)
            && !(MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
                && mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)))
        {
            return Problems.Result(
                StatusCodes.Status415UnsupportedMediaType,
                "Unsupported content type",
                $"Content-Type '{request.ContentType}' is not accepted: send the subscription as application/json.");
        }

        var body = await ReadBodyAsync(request, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Problems.Result(
                StatusCodes.Status413RequestEntityTooLarge,
                "Body too large",
                $"The body is larger than {MaxBodyBytes} bytes, the most a subscription may take.");
        }

        var (parsed, errors) = SubscriptionRequest.Parse(body);
        if (parsed is not null && await _guard.CheckAsync(parsed.Url, cancellationToken).ConfigureAwait(false) is { } rejected)
        {
            errors = [new FieldError("url", rejected)];
        }

        if (errors.Count > 0)
        {
            var fields = string.Join(", ", errors.Select(error => error.Field).Distinct(StringComparer.Ordinal));
            LogRejected(fields);
            return Invalid(errors);
        }

        var subscription = new Subscription
        {
            Id = Guid.NewGuid().ToString("N"),
            Url = parsed!.Url,
            Filter = parsed.Filter,
            Events = parsed.Events,
            MinimumSeverity = parsed.MinimumSeverity,
            Format = parsed.Format,
            Headers = parsed.Headers,
            Secret = parsed.Secret,
            Description = parsed.Description,
            CreatedAt = _clock.GetUtcNow(),
        };

        try
        {
            await _subscriptions.AddAsync(subscription, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageUnavailableException exception)
        {
            return Problems.StorageUnavailable(exception.Message);
        }

        var events = string.Join(",", subscription.Events);
        LogCreated(subscription.Id, subscription.Url.IdnHost, events);
        return Results.Json(
            SubscriptionView.From(subscription),
            ApiJson.Api.SubscriptionView,
            statusCode: StatusCodes.Status201Created);
    }

    /// <summary>Handles <c>GET /api/subscriptions</c>.</summary>
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (_access.RequireAdmin(request) is { } denied)
        {
            return denied;
        }

        try
        {
            var subscriptions = await _subscriptions.ListAsync(cancellationToken).ConfigureAwait(false);
            return Results.Json(
                new SubscriptionListResponse([.. subscriptions.Select(SubscriptionView.From)]),
                ApiJson.Api.SubscriptionListResponse);
        }
        catch (StorageUnavailableException exception)
        {
            return Problems.StorageUnavailable(exception.Message);
        }
    }

    /// <summary>Handles <c>GET /api/subscriptions/{id}</c>.</summary>
    public async Task<IResult> GetAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        if (_access.RequireAdmin(request) is { } denied)
        {
            return denied;
        }

        try
        {
            var subscription = IsId(id) ? await _subscriptions.GetAsync(id, cancellationToken).ConfigureAwait(false) : null;
            return subscription is null
                ? NotFound(id)
                : Results.Json(SubscriptionView.From(subscription), ApiJson.Api.SubscriptionView);
        }
        catch (StorageUnavailableException exception)
        {
            return Problems.StorageUnavailable(exception.Message);
        }
    }

    /// <summary>Handles <c>DELETE /api/subscriptions/{id}</c>: 204, and the subscription's deliveries are removed.</summary>
    public async Task<IResult> DeleteAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        if (_access.RequireAdmin(request) is { } denied)
        {
            return denied;
        }

        try
        {
            if (!IsId(id) || !await _subscriptions.DeleteAsync(id, cancellationToken).ConfigureAwait(false))
            {
                return NotFound(id);
            }
        }
        catch (StorageUnavailableException exception)
        {
            return Problems.StorageUnavailable(exception.Message);
        }

        try
        {
            var removed = await _outbox.DeleteSubscriptionAsync(id, cancellationToken).ConfigureAwait(false);
            LogDeleted(id, removed);
        }
        catch (StorageUnavailableException exception)
        {
            // The subscription is gone, so nothing more is sent; its rows expire with Outbox__Retention.
            LogDeliveriesKept(exception, id);
        }

        return Results.NoContent();
    }

    /// <summary>
    /// Handles <c>GET /api/subscriptions/{id}/deliveries?limit=N</c>: the most recent deliveries, newest first.
    /// </summary>
    public async Task<IResult> ListDeliveriesAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        if (_access.RequireAdmin(request) is { } denied)
        {
            return denied;
        }

        var limit = DefaultDeliveryLimit;
        var limitText = request.Query["limit"].ToString();
        if (limitText.Length > 0
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > MaxDeliveryLimit))
        {
            return Problems.Result(
                StatusCodes.Status400BadRequest,
                "Invalid limit",
                $"Query parameter 'limit' is '{limitText}': use a whole number from 1 to {MaxDeliveryLimit}.");
        }

        try
        {
            if (!IsId(id) || await _subscriptions.GetAsync(id, cancellationToken).ConfigureAwait(false) is null)
            {
                return NotFound(id);
            }

            var deliveries = await _outbox.ListRecentAsync(id, limit, cancellationToken).ConfigureAwait(false);
            return Results.Json(
                new DeliveryListResponse(id, [.. deliveries.Select(DeliveryView.From)]),
                ApiJson.Api.DeliveryListResponse);
        }
        catch (StorageUnavailableException exception)
        {
            return Problems.StorageUnavailable(exception.Message);
        }
    }

    private static IResult Invalid(IReadOnlyList<FieldError> errors)
    {
        var byField = errors
            .GroupBy(error => error.Field, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Select(error => error.Message).ToArray(), StringComparer.Ordinal);
        var detail = string.Join("; ", errors.Select(error => $"{error.Field}: {error.Message}"));
        return Results.ValidationProblem(
            byField,
            detail,
            title: $"Invalid subscription: {string.Join(", ", byField.Keys)}",
            type: "https://httpstatuses.io/400");
    }

    private static IResult NotFound(string id) => Problems.Result(
        StatusCodes.Status404NotFound,
        "Subscription not found",
        $"No subscription has the id '{id}'; GET /api/subscriptions lists the existing ones.");

    private static bool IsId(string? id) =>
        id is { Length: 32 } && id.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    /// <summary>Reads the body, or returns null when it exceeds <see cref="MaxBodyBytes"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            var read = await request.Body.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return buffer.WrittenSpan.ToArray();
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > MaxBodyBytes)
            {
                return null;
            }
        }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Subscription {SubscriptionId} created for host {Host}, events {Events}")]
    private partial void LogCreated(string subscriptionId, string host, string events);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Subscription {SubscriptionId} deleted with {Deliveries} deliveries")]
    private partial void LogDeleted(string subscriptionId, int deliveries);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Subscription rejected: invalid fields {Fields}")]
    private partial void LogRejected(string fields);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Subscription {SubscriptionId} deleted, but its deliveries stay until Outbox__Retention: storage is unavailable")]
    private partial void LogDeliveriesKept(Exception exception, string subscriptionId);
}
