using PortusFunctions.Scanning;
using PortusFunctions.Webhooks.Outbox;

namespace PortusFunctions.Webhooks.Subscriptions;

/// <summary>Payload formats a subscription can choose.</summary>
public enum PayloadFormat
{
    /// <summary>The app's own JSON envelope: <c>id</c>, <c>type</c>, <c>time</c>, <c>subject</c> and <c>data</c>.</summary>
    Json,

    /// <summary>A CloudEvents 1.0 event in structured JSON mode (<c>application/cloudevents+json</c>).</summary>
    CloudEvents,
}

/// <summary>Values of <see cref="Subscription.Status"/>.</summary>
public static class SubscriptionStatus
{
    /// <summary>Deliveries are created and sent.</summary>
    public const string Active = "active";

    /// <summary>The target returned 410 Gone, so nothing is created or sent any more.</summary>
    public const string Disabled = "disabled";
}

/// <summary>A target that receives the events it asked for.</summary>
public sealed record Subscription
{
    /// <summary>Id: 32 lowercase hexadecimal digits.</summary>
    public required string Id { get; init; }

    /// <summary>Target URL that deliveries are POSTed to.</summary>
    public required Uri Url { get; init; }

    /// <summary>Repositories whose events are delivered.</summary>
    public required RepositoryFilter Filter { get; init; }

    /// <summary>Event types delivered, each one of <see cref="WebhookEventTypes.All"/>.</summary>
    public required IReadOnlyList<string> Events { get; init; }

    /// <summary>Lowest severity that makes a <c>vulnerabilities.found</c> event; set when that type is subscribed.</summary>
    public VulnerabilitySeverity? MinimumSeverity { get; init; }

    /// <summary>Payload format.</summary>
    public PayloadFormat Format { get; init; }

    /// <summary>Headers added to every request; their values may be credentials and are never returned or logged.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Key of the HMAC-SHA256 signature, or null to send unsigned; never returned or logged.</summary>
    public string? Secret { get; init; }

    /// <summary>Free-text description for operators.</summary>
    public string? Description { get; init; }

    /// <summary>A <see cref="SubscriptionStatus"/> value.</summary>
    public string Status { get; init; } = SubscriptionStatus.Active;

    /// <summary>When the subscription was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the subscription was disabled, or null.</summary>
    public DateTimeOffset? DisabledAt { get; init; }

    /// <summary>Why the subscription was disabled, or null.</summary>
    public string? DisabledReason { get; init; }

    /// <summary>Whether deliveries are created and sent.</summary>
    public bool IsActive => Status == SubscriptionStatus.Active;

    /// <summary>Whether this subscription wants <paramref name="webhookEvent"/>: its type, repository and severity.</summary>
    public bool Wants(WebhookEvent webhookEvent)
    {
        ArgumentNullException.ThrowIfNull(webhookEvent);

        if (!Events.Contains(webhookEvent.Type, StringComparer.Ordinal) || !Filter.Matches(webhookEvent.Repository))
        {
            return false;
        }

        return webhookEvent.Type != WebhookEventTypes.VulnerabilitiesFound
            || (MinimumSeverity is { } minimum && webhookEvent.Vulnerabilities?.AtOrAbove(minimum) > 0);
    }
}
