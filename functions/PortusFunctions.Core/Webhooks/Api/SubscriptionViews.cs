using PortusFunctions.Webhooks.Outbox;
using PortusFunctions.Webhooks.Subscriptions;

namespace PortusFunctions.Webhooks.Api;

/// <summary>A subscription as the API returns it: the secret and header values are left out.</summary>
/// <param name="Id">Subscription id.</param>
/// <param name="Url">Target URL.</param>
/// <param name="Repositories">Repository name patterns; empty with no pattern.</param>
/// <param name="Namespace">Namespace filter, or null.</param>
/// <param name="Events">Event types.</param>
/// <param name="MinimumSeverity">Minimum severity of <c>vulnerabilities.found</c>, or null.</param>
/// <param name="Format"><c>json</c> or <c>cloudevents</c>.</param>
/// <param name="HeaderNames">Names of the custom headers.</param>
/// <param name="HasSecret">Whether deliveries are signed.</param>
/// <param name="Description">Description, or null.</param>
/// <param name="Status"><c>active</c> or <c>disabled</c>.</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="DisabledAt">When it was disabled, or null.</param>
/// <param name="DisabledReason">Why it was disabled, or null.</param>
public sealed record SubscriptionView(
    string Id,
    string Url,
    IReadOnlyList<string> Repositories,
    string? Namespace,
    IReadOnlyList<string> Events,
    string? MinimumSeverity,
    string Format,
    IReadOnlyList<string> HeaderNames,
    bool HasSecret,
    string? Description,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DisabledAt,
    string? DisabledReason)
{
    /// <summary>Returns the view of <paramref name="subscription"/>.</summary>
    public static SubscriptionView From(Subscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);

        return new SubscriptionView(
            subscription.Id,
            subscription.Url.AbsoluteUri,
            subscription.Filter.Patterns,
            subscription.Filter.Namespace,
            subscription.Events,
            subscription.MinimumSeverity is { } minimum ? MinimumSeverities.Format(minimum) : null,
            subscription.Format == PayloadFormat.CloudEvents ? "cloudevents" : "json",
            [.. subscription.Headers.Keys.Order(StringComparer.OrdinalIgnoreCase)],
            !string.IsNullOrEmpty(subscription.Secret),
            subscription.Description,
            subscription.Status,
            subscription.CreatedAt,
            subscription.DisabledAt,
            subscription.DisabledReason);
    }
}

/// <summary>Body of <c>GET /api/subscriptions</c>.</summary>
/// <param name="Subscriptions">Every subscription, in order of their ids.</param>
public sealed record SubscriptionListResponse(IReadOnlyList<SubscriptionView> Subscriptions);

/// <summary>A delivery in <see cref="DeliveryListResponse"/>.</summary>
/// <param name="Id">Delivery id, as sent in <c>Portus-Delivery-Id</c>.</param>
/// <param name="EventId">Event id.</param>
/// <param name="EventType">Event type.</param>
/// <param name="Subject">What the event is about.</param>
/// <param name="Status"><c>pending</c>, <c>delivered</c> or <c>failed</c>.</param>
/// <param name="Attempts">Attempts started.</param>
/// <param name="LastStatusCode">HTTP status of the last response, or null.</param>
/// <param name="LastError">Why the last attempt failed, or null.</param>
/// <param name="LastAttemptAt">When the last attempt started, or null.</param>
/// <param name="NextAttemptAt">Earliest time of the next attempt while pending, or null when due now or finished.</param>
/// <param name="DeliveredAt">When the target accepted it, or null.</param>
/// <param name="ChangeTime">Time of the change that caused the event.</param>
/// <param name="CreatedAt">When the delivery was created.</param>
public sealed record DeliveryView(
    string Id,
    string EventId,
    string EventType,
    string Subject,
    string Status,
    int Attempts,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset ChangeTime,
    DateTimeOffset CreatedAt)
{
    /// <summary>Returns the view of <paramref name="delivery"/>.</summary>
    public static DeliveryView From(DeliveryRecord delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);

        return new DeliveryView(
            delivery.DeliveryId,
            delivery.EventId,
            delivery.EventType,
            delivery.Subject,
            delivery.Status,
            delivery.Attempts,
            delivery.LastStatusCode,
            delivery.LastError,
            delivery.LastAttemptAt,
            delivery.Status == DeliveryStatus.Pending ? delivery.NextAttemptAt : null,
            delivery.DeliveredAt,
            delivery.ChangeTime,
            delivery.CreatedAt);
    }
}

/// <summary>Body of <c>GET /api/subscriptions/{id}/deliveries</c>.</summary>
/// <param name="SubscriptionId">Subscription id.</param>
/// <param name="Deliveries">The most recent deliveries in change order, newest first.</param>
public sealed record DeliveryListResponse(string SubscriptionId, IReadOnlyList<DeliveryView> Deliveries);
