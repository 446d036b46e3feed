using System.Text.Json.Serialization;

namespace PortusFunctions.Events;

/// <summary>
/// One notification of the distribution registry, or the body of an Azure Container Registry webhook.
/// </summary>
/// <remarks>Only the fields this app reads are declared; the raw event is stored whole.</remarks>
public sealed class RegistryEvent
{
    /// <summary>Event id, unique per event and repeated on redelivery.</summary>
    public string? Id { get; set; }

    /// <summary>Time of the event in RFC 3339 with up to nanoseconds.</summary>
    public string? Timestamp { get; set; }

    /// <summary><c>push</c>, <c>pull</c>, <c>mount</c>, <c>delete</c>, or an Azure Container Registry action.</summary>
    public string? Action { get; set; }

    /// <summary>What the event is about.</summary>
    public EventTarget? Target { get; set; }
}

/// <summary>The target of a registry event.</summary>
public sealed class EventTarget
{
    /// <summary>Media type of the manifest or blob; absent on deletes.</summary>
    public string? MediaType { get; set; }

    /// <summary>Size of the manifest or blob in bytes.</summary>
    public long? Size { get; set; }

    /// <summary>Digest of the manifest or blob.</summary>
    public string? Digest { get; set; }

    /// <summary>Full repository name.</summary>
    public string? Repository { get; set; }

    /// <summary>Tag, on manifest pushes and pulls by tag and on tag deletes.</summary>
    public string? Tag { get; set; }

    /// <summary>Descriptors the manifest references: config and layers, or the platform manifests of an index.</summary>
    public List<EventReference>? References { get; set; }
}

/// <summary>A descriptor referenced by a pushed manifest.</summary>
public sealed class EventReference
{
    /// <summary>Media type of the referenced blob or manifest.</summary>
    public string? MediaType { get; set; }

    /// <summary>Size in bytes.</summary>
    public long? Size { get; set; }

    /// <summary>Digest.</summary>
    public string? Digest { get; set; }

    /// <summary>Platform of an index entry.</summary>
    public EventPlatform? Platform { get; set; }
}

/// <summary>Platform of an index entry.</summary>
public sealed class EventPlatform
{
    /// <summary>CPU architecture, such as <c>amd64</c>.</summary>
    public string? Architecture { get; set; }

    /// <summary>Operating system, such as <c>linux</c>.</summary>
    [JsonPropertyName("os")]
    public string? OperatingSystem { get; set; }

    /// <summary>CPU variant, such as <c>v8</c>.</summary>
    public string? Variant { get; set; }

    /// <summary>Returns the platform as <c>os/architecture[/variant]</c>, or null when neither is given.</summary>
    public string? Format()
    {
        if (string.IsNullOrEmpty(OperatingSystem) && string.IsNullOrEmpty(Architecture))
        {
            return null;
        }

        var platform = $"{OperatingSystem}/{Architecture}";
        return string.IsNullOrEmpty(Variant) ? platform : $"{platform}/{Variant}";
    }
}

/// <summary>Serialization of registry events.</summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RegistryEvent))]
internal sealed partial class RegistryEventJson : JsonSerializerContext;
