using System.Globalization;
using PortusFunctions.Images;
using PortusFunctions.Registry;

namespace PortusFunctions.Events;

/// <summary>
/// Decides what a received event does to the store: a change to apply, an event to count and ignore, or an
/// event to quarantine because it cannot be applied.
/// </summary>
/// <remarks>
/// Only events about manifests change the store. A manifest delete arrives as <c>{repository, digest}</c> with no
/// media type, exactly like a blob delete, so every such delete becomes a digest delete, which changes nothing
/// when the digest is not a known manifest.
/// </remarks>
public static class EventClassifier
{
    /// <summary>Longest event id accepted; ids are row keys.</summary>
    public const int MaxIdLength = 256;

    /// <summary>Classifies one received event.</summary>
    /// <param name="incoming">The event as received.</param>
    /// <param name="receivedAt">When the webhook received it; with <paramref name="maxClockSkew"/>, the latest accepted timestamp.</param>
    /// <param name="maxClockSkew">How far the event's timestamp may be ahead of <paramref name="receivedAt"/>.</param>
    public static EventDecision Classify(IncomingEvent incoming, DateTimeOffset? receivedAt = null, TimeSpan? maxClockSkew = null)
    {
        ArgumentNullException.ThrowIfNull(incoming);

        if (incoming.Event is not { } registryEvent)
        {
            return EventDecision.Quarantine(null, incoming.Error ?? "The event could not be read.");
        }

        var id = registryEvent.Id;
        if (string.IsNullOrWhiteSpace(id))
        {
            return EventDecision.Quarantine(null, "The event has no id.");
        }

        if (id.Length > MaxIdLength)
        {
            return EventDecision.Quarantine(null, $"The event id is {id.Length} characters long; at most {MaxIdLength} are accepted.");
        }

        var action = registryEvent.Action?.ToLowerInvariant();
        switch (action)
        {
            case "pull" or "mount":
                return EventDecision.Ignore(id, $"A {action} event does not change the store.");
            case "quarantine" or "chart_push" or "chart_delete":
                return EventDecision.Ignore(id, $"The Azure Container Registry action '{action}' does not change the store.");
            case "push" or "delete":
                break;
            default:
                return EventDecision.Quarantine(id, $"Unknown action '{registryEvent.Action}': expected push, pull, mount or delete.");
        }

        if (registryEvent.Target is not { } target)
        {
            return EventDecision.Quarantine(id, "The event has no target.");
        }

        if (action == "push" && !MediaTypes.IsManifest(target.MediaType))
        {
            return EventDecision.Ignore(id, $"A push of a blob (media type '{target.MediaType}') does not change the store.");
        }

        if (!ReferenceRules.IsValidRepository(target.Repository))
        {
            return EventDecision.Quarantine(id, $"Invalid repository name '{Shorten(target.Repository)}': expected lowercase path components separated by '/', at most {ReferenceRules.MaxRepositoryLength} characters.");
        }

        if (target.Digest is not null && !ReferenceRules.IsValidDigest(target.Digest))
        {
            return EventDecision.Quarantine(id, $"Invalid digest '{Shorten(target.Digest)}': expected ALGORITHM:HEX such as sha256:<64 hex digits>.");
        }

        if (target.Tag is not null && !ReferenceRules.IsValidTag(target.Tag))
        {
            return EventDecision.Quarantine(id, $"Invalid tag '{Shorten(target.Tag)}': expected at most {ReferenceRules.MaxTagLength} letters, digits, '_', '.' or '-', not starting with '.' or '-'.");
        }

        if (!TryParseTimestamp(registryEvent.Timestamp, out var time))
        {
            return EventDecision.Quarantine(id, $"Invalid timestamp '{Shorten(registryEvent.Timestamp)}': expected RFC 3339 such as 2026-12-04T15:31:10.781412897Z.");
        }

        if (receivedAt is { } received && maxClockSkew is { } skew && time > received + skew)
        {
            return EventDecision.Quarantine(id, $"The timestamp {registryEvent.Timestamp} is more than {skew} ahead of this host's clock ({received:O}); check the registry's clock, or raise Webhook__MaxClockSkew.");
        }

        var version = ChangeVersion.At(time, id);
        var repository = target.Repository!;
        return action == "push" ? ClassifyPush(id, version, repository, target) : ClassifyDelete(id, version, repository, target);
    }

    /// <summary>
    /// Parses an RFC 3339 timestamp with up to nine fractional digits, truncating to the 100 ns resolution of
    /// <see cref="DateTimeOffset"/>.
    /// </summary>
    public static bool TryParseTimestamp(string? text, out DateTimeOffset time)
    {
        time = default;
        if (string.IsNullOrEmpty(text) || text.Length > 64)
        {
            return false;
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            var digits = end - dot - 1;
            if (digits > 7)
            {
                text = string.Concat(text.AsSpan(0, dot + 8), text.AsSpan(end));
            }
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time))
        {
            return false;
        }

        time = time.ToUniversalTime();
        return time.Year is >= 2000 and <= 9000;
    }

    private static EventDecision ClassifyPush(string id, ChangeVersion version, string repository, EventTarget target)
    {
        if (target.Digest is null)
        {
            return EventDecision.Quarantine(id, "A manifest push has no digest.");
        }

        var command = new PushManifest(repository, version, target.Digest, target.MediaType!, DetailsOf(target), target.Tag);
        return EventDecision.Accept(id, command);
    }

    private static EventDecision ClassifyDelete(string id, ChangeVersion version, string repository, EventTarget target)
    {
        if (target.Tag is not null)
        {
            return EventDecision.Accept(id, new DeleteTag(repository, version, target.Tag));
        }

        if (target.Digest is not null)
        {
            // Registry 3.x may label blob deletes with a layer media type; 2.x labels neither kind.
            if (target.MediaType is { Length: > 0 } mediaType && !MediaTypes.IsManifest(mediaType))
            {
                return EventDecision.Ignore(id, $"A delete of a blob (media type '{mediaType}') does not change the store.");
            }

            return EventDecision.Accept(id, new DeleteDigest(repository, version, target.Digest));
        }

        return EventDecision.Accept(id, new DeleteRepository(repository, version));
    }

    private static ManifestDetails DetailsOf(EventTarget target)
    {
        var references = target.References ?? [];
        if (references.Count == 0)
        {
            return ManifestDetails.Unknown;
        }

        if (MediaTypes.IsIndex(target.MediaType))
        {
            var children = references
                .Where(reference => ReferenceRules.IsValidDigest(reference.Digest))
                .Select(reference => new ManifestChild(reference.Digest!, reference.MediaType ?? "", reference.Platform?.Format(), null))
                .ToList();
            return new ManifestDetails(null, null, children);
        }

        // The registry lists the config first, then the layers; a layer shared twice counts once.
        var size = references
            .Where(reference => reference.Digest is not null)
            .DistinctBy(reference => reference.Digest, StringComparer.Ordinal)
            .Sum(reference => Math.Max(0, reference.Size ?? 0));
        return new ManifestDetails(size, references[0].MediaType, []);
    }

    private static string Shorten(string? value)
    {
        if (value is null)
        {
            return "(missing)";
        }

        return value.Length <= 80 ? value : string.Concat(value.AsSpan(0, 80), "...");
    }
}

/// <summary>What a received event does: accepted with a change, ignored, or quarantined.</summary>
public enum EventDisposition
{
    /// <summary>The event carries a change to apply.</summary>
    Accepted,

    /// <summary>The event is counted and dropped.</summary>
    Ignored,

    /// <summary>The event cannot be applied and goes to the quarantine table.</summary>
    Quarantined,
}

/// <summary>The classification of one event.</summary>
/// <param name="Disposition">What happens to the event.</param>
/// <param name="EventId">Event id, when the event has a usable one.</param>
/// <param name="Command">The change, for an accepted event.</param>
/// <param name="Reason">Why an event is ignored or quarantined.</param>
public sealed record EventDecision(EventDisposition Disposition, string? EventId, ImageCommand? Command, string? Reason)
{
    /// <summary>An event with a change to apply.</summary>
    public static EventDecision Accept(string id, ImageCommand command) => new(EventDisposition.Accepted, id, command, null);

    /// <summary>An event to count and drop.</summary>
    public static EventDecision Ignore(string id, string reason) => new(EventDisposition.Ignored, id, null, reason);

    /// <summary>An event that cannot be applied.</summary>
    public static EventDecision Quarantine(string? id, string reason) => new(EventDisposition.Quarantined, id, null, reason);
}
