using PortusFunctions.Images;

namespace PortusFunctions.Events;

/// <summary>Outcome of an event in the inbox.</summary>
public static class InboxStatus
{
    /// <summary>Stored, not applied yet.</summary>
    public const string Pending = "pending";

    /// <summary>Applied to the store, or found already applied.</summary>
    public const string Applied = "applied";

    /// <summary>Recorded, but it changes nothing visible, with the reason.</summary>
    public const string Ignored = "ignored";

    /// <summary>Could not be applied; a copy is in the quarantine table.</summary>
    public const string Quarantined = "quarantined";
}

/// <summary>An accepted event on its way to the store.</summary>
/// <param name="PartitionKey">Inbox partition (arrival minute) of its row.</param>
/// <param name="EventId">Event id.</param>
/// <param name="Command">The change it carries.</param>
/// <param name="ReceivedAt">When the webhook stored it.</param>
/// <param name="Attempts">Failed attempts to apply it so far.</param>
/// <param name="Raw">The event's JSON as received, for the quarantine row if it cannot be applied.</param>
public sealed record InboxItem(string PartitionKey, string EventId, ImageCommand Command, DateTimeOffset ReceivedAt, int Attempts, string Raw);

/// <summary>An event to store in the quarantine table.</summary>
/// <param name="EventId">Event id, or null when the event has none.</param>
/// <param name="Raw">The event's JSON as received.</param>
/// <param name="Reason">Why it cannot be applied.</param>
public sealed record QuarantinedEvent(string? EventId, string Raw, string Reason);
