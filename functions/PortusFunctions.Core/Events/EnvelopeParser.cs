using System.Text.Json;
using System.Text.Unicode;

namespace PortusFunctions.Events;

/// <summary>
/// Reads a notification body: the registry's envelope <c>{"events":[...]}</c>, or one bare event object as
/// Azure Container Registry sends it.
/// </summary>
public static class EnvelopeParser
{
    /// <summary>Maximum nesting depth of the body; registry events nest four levels.</summary>
    public const int MaxDepth = 16;

    /// <summary>Parses <paramref name="body"/> into events, each with its raw JSON.</summary>
    /// <param name="body">UTF-8 request body.</param>
    /// <param name="maxEvents">Maximum number of events accepted in one body.</param>
    public static EnvelopeParseResult Parse(ReadOnlyMemory<byte> body, int maxEvents)
    {
        // JsonDocument does not check the bytes inside strings, and reading such a string later throws.
        if (!Utf8.IsValid(body.Span))
        {
            return EnvelopeParseResult.Invalid("The body is not valid UTF-8: registries send notifications encoded as UTF-8.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException exception)
        {
            return EnvelopeParseResult.Invalid($"The body is not valid JSON: {exception.Message}");
        }
        catch (ArgumentException exception)
        {
            return EnvelopeParseResult.Invalid($"The body is not valid UTF-8 JSON: {exception.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return EnvelopeParseResult.Invalid($"The body is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object with an events array.");
            }

            if (!root.TryGetProperty("events", out var events))
            {
                return root.TryGetProperty("action", out _) || root.TryGetProperty("target", out _)
                    ? EnvelopeParseResult.Success([Read(root)])
                    : EnvelopeParseResult.Invalid("The body has no events: expected {\"events\":[...]} or a single event object with action and target.");
            }

            if (events.ValueKind != JsonValueKind.Array)
            {
                return EnvelopeParseResult.Invalid($"The events property is a JSON {events.ValueKind.ToString().ToLowerInvariant()}, not an array.");
            }

            var count = events.GetArrayLength();
            if (count == 0)
            {
                return EnvelopeParseResult.Invalid("The envelope has no events: the events array is empty.");
            }

            if (count > maxEvents)
            {
                return EnvelopeParseResult.TooMany(
                    $"The envelope holds {count} events; at most {maxEvents} are accepted in one request (setting Webhook__MaxEventsPerRequest).");
            }

            return EnvelopeParseResult.Success([.. events.EnumerateArray().Select(Read)]);
        }
    }

    private static IncomingEvent Read(JsonElement element)
    {
        var raw = element.GetRawText();
        if (element.ValueKind != JsonValueKind.Object)
        {
            return new IncomingEvent(raw, null, $"The event is a JSON {element.ValueKind.ToString().ToLowerInvariant()}, not an object.");
        }

        try
        {
            var parsed = element.Deserialize(RegistryEventJson.Default.RegistryEvent);
            return new IncomingEvent(raw, parsed, parsed is null ? "The event is null." : null);
        }
        catch (JsonException exception)
        {
            return new IncomingEvent(raw, null, $"The event does not match the registry event format: {exception.Message}");
        }
    }
}

/// <summary>An event as received: its raw JSON and, when it has the expected shape, its fields.</summary>
/// <param name="Raw">The event's JSON text as sent.</param>
/// <param name="Event">The parsed fields, or null when the event has the wrong shape.</param>
/// <param name="Error">Why the event could not be read; null when it could.</param>
public sealed record IncomingEvent(string Raw, RegistryEvent? Event, string? Error);

/// <summary>Events read from a body, or why the body was rejected.</summary>
public sealed record EnvelopeParseResult(IReadOnlyList<IncomingEvent> Events, string? Error, bool IsTooLarge)
{
    /// <summary>Whether the body was read.</summary>
    public bool IsSuccess => Error is null;

    /// <summary>A body that was read.</summary>
    public static EnvelopeParseResult Success(IReadOnlyList<IncomingEvent> events) => new(events, null, false);

    /// <summary>A body that is not an envelope or event.</summary>
    public static EnvelopeParseResult Invalid(string error) => new([], error, false);

    /// <summary>A body with more events than accepted.</summary>
    public static EnvelopeParseResult TooMany(string error) => new([], error, true);
}
