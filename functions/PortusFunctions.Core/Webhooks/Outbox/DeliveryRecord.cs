using Azure;

namespace PortusFunctions.Webhooks.Outbox;

/// <summary>Values of <see cref="DeliveryRecord.Status"/>.</summary>
public static class DeliveryStatus
{
    /// <summary>Not yet accepted by the target; sent when due and when no earlier delivery of its subscription is pending.</summary>
    public const string Pending = "pending";

    /// <summary>The target returned 2xx.</summary>
    public const string Delivered = "delivered";

    /// <summary>Every attempt failed, or the target returned 410 Gone.</summary>
    public const string Failed = "failed";
}

/// <summary>One delivery of one event to one subscription: a row of the outbox table.</summary>
public sealed class DeliveryRecord
{
    /// <summary>Subscription the delivery goes to; the row's partition key.</summary>
    public required string SubscriptionId { get; init; }

    /// <summary>Row key: the change's version, then its rank and event id, so a partition sorts in change order.</summary>
    public required string RowKey { get; init; }

    /// <summary>Delivery id sent as <c>Portus-Delivery-Id</c>; the same on every attempt.</summary>
    public required string DeliveryId { get; init; }

    /// <summary>Event id, equal for every subscription that receives the event.</summary>
    public required string EventId { get; init; }

    /// <summary>Event type.</summary>
    public required string EventType { get; init; }

    /// <summary>Repository the event is about.</summary>
    public required string Repository { get; init; }

    /// <summary>Subject of the event.</summary>
    public required string Subject { get; init; }

    /// <summary>Time of the change that caused the event.</summary>
    public required DateTimeOffset ChangeTime { get; init; }

    /// <summary>When the row was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Request body, written when the row is created so every attempt sends the same bytes.</summary>
    public string Body { get; set; } = "";

    /// <summary>Request <c>Content-Type</c>.</summary>
    public required string ContentType { get; init; }

    /// <summary>A <see cref="DeliveryStatus"/> value.</summary>
    public string Status { get; set; } = DeliveryStatus.Pending;

    /// <summary>Attempts started so far, counted when an attempt is claimed.</summary>
    public int Attempts { get; set; }

    /// <summary>HTTP status of the last response, or null when the last attempt got none.</summary>
    public int? LastStatusCode { get; set; }

    /// <summary>Why the last attempt failed, or null after a success.</summary>
    public string? LastError { get; set; }

    /// <summary>When the last attempt started.</summary>
    public DateTimeOffset? LastAttemptAt { get; set; }

    /// <summary>Earliest time of the next attempt while pending, or null when it is due now.</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>When the target accepted the delivery.</summary>
    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>Owner of the claim on the current attempt, or null.</summary>
    public string? ClaimedBy { get; set; }

    /// <summary>When the claim on the current attempt expires; another worker may take the delivery after it.</summary>
    public DateTimeOffset? ClaimedUntil { get; set; }

    /// <summary>ETag of the row as last read or written, or null for a row not stored yet.</summary>
    public ETag? ETag { get; set; }
}
