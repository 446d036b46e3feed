using System.Text.Json;
using PortusFunctions.Images;

namespace PortusFunctions.Registry;

/// <summary>Reads manifest bodies: Docker v2 and OCI image manifests, Docker manifest lists and OCI image indexes.</summary>
public static class ManifestParser
{
    /// <summary>Largest manifest body accepted; the distribution registry rejects pushes of larger ones.</summary>
    public const int MaxManifestBytes = 4 * 1024 * 1024;

    /// <summary>Parses a manifest body.</summary>
    /// <param name="body">The manifest as the registry returned it.</param>
    /// <param name="contentType">The response's <c>Content-Type</c>, which names the media type when the body does not.</param>
    /// <exception cref="FormatException">The body is not JSON, or is neither an image manifest nor an index.</exception>
    public static ParsedManifest Parse(ReadOnlySpan<byte> body, string? contentType)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException exception)
        {
            throw new FormatException($"The manifest is not valid JSON: {exception.Message}", exception);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("The manifest is not a JSON object.");
            }

            var mediaType = MediaTypeOf(root, contentType);
            if (MediaTypes.IsIndex(mediaType))
            {
                return new ParsedManifest(mediaType, null, [], ReadIndexEntries(root));
            }

            if (!root.TryGetProperty("config", out var config) || config.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"The manifest of media type '{mediaType}' has no config descriptor.");
            }

            var layers = root.TryGetProperty("layers", out var layerArray) && layerArray.ValueKind == JsonValueKind.Array
                ? layerArray.EnumerateArray().Select(ReadDescriptor).ToList()
                : [];
            return new ParsedManifest(mediaType, ReadDescriptor(config), layers, []);
        }
    }

    /// <summary>Strips parameters such as <c>; charset=utf-8</c> from a <c>Content-Type</c> value.</summary>
    public static string? MediaTypeOf(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return null;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
    }

    /// <summary>
    /// Decides the media type: the <c>Content-Type</c> when it is a manifest type, else the body's
    /// <c>mediaType</c>, else the shape of the body, because OCI manifests may omit the field.
    /// </summary>
    private static string MediaTypeOf(JsonElement root, string? contentType)
    {
        var header = MediaTypeOf(contentType);
        if (MediaTypes.IsManifest(header))
        {
            return header!;
        }

        if (root.TryGetProperty("mediaType", out var field) && field.ValueKind == JsonValueKind.String
            && MediaTypes.IsManifest(field.GetString()))
        {
            return field.GetString()!;
        }

        if (root.TryGetProperty("manifests", out var manifests) && manifests.ValueKind == JsonValueKind.Array)
        {
            return MediaTypes.OciIndex;
        }

        if (root.TryGetProperty("config", out var config) && config.ValueKind == JsonValueKind.Object)
        {
            var configType = config.TryGetProperty("mediaType", out var type) ? type.GetString() : null;
            return string.Equals(configType, MediaTypes.DockerConfig, StringComparison.OrdinalIgnoreCase)
                ? MediaTypes.DockerManifest
                : MediaTypes.OciManifest;
        }

        throw new FormatException(
            $"The manifest is neither an image manifest nor an index (Content-Type '{contentType}'); schema 1 manifests are not read.");
    }

    private static List<IndexEntry> ReadIndexEntries(JsonElement root)
    {
        if (!root.TryGetProperty("manifests", out var manifests) || manifests.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var entries = new List<IndexEntry>();
        foreach (var element in manifests.EnumerateArray())
        {
            var descriptor = ReadDescriptor(element);
            entries.Add(new IndexEntry(descriptor.MediaType, descriptor.Digest, descriptor.Size, ReadPlatform(element)));
        }

        return entries;
    }

    private static ContentDescriptor ReadDescriptor(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("A descriptor in the manifest is not a JSON object.");
        }

        var digest = element.TryGetProperty("digest", out var digestField) && digestField.ValueKind == JsonValueKind.String
            ? digestField.GetString()
            : null;
        if (!ReferenceRules.IsValidDigest(digest))
        {
            throw new FormatException($"A descriptor in the manifest has an invalid digest '{digest}'.");
        }

        var mediaType = element.TryGetProperty("mediaType", out var typeField) && typeField.ValueKind == JsonValueKind.String
            ? typeField.GetString() ?? ""
            : "";
        var size = element.TryGetProperty("size", out var sizeField) && sizeField.TryGetInt64(out var value) ? Math.Max(0, value) : 0;
        return new ContentDescriptor(mediaType, digest!, size);
    }

    private static string? ReadPlatform(JsonElement element)
    {
        if (!element.TryGetProperty("platform", out var platform) || platform.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var os = StringOf(platform, "os");
        var architecture = StringOf(platform, "architecture");
        var variant = StringOf(platform, "variant");
        if (string.IsNullOrEmpty(os) && string.IsNullOrEmpty(architecture))
        {
            return null;
        }

        return string.IsNullOrEmpty(variant) ? $"{os}/{architecture}" : $"{os}/{architecture}/{variant}";
    }

    private static string? StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var field) && field.ValueKind == JsonValueKind.String ? field.GetString() : null;
}

/// <summary>A parsed manifest: an image manifest with its config and layers, or an index with its entries.</summary>
/// <param name="MediaType">One of the four manifest media types.</param>
/// <param name="Config">Config descriptor of an image manifest; null for an index.</param>
/// <param name="Layers">Layer descriptors of an image manifest, in order; empty for an index.</param>
/// <param name="Manifests">Entries of an index; empty for an image manifest.</param>
public sealed record ParsedManifest(
    string MediaType,
    ContentDescriptor? Config,
    IReadOnlyList<ContentDescriptor> Layers,
    IReadOnlyList<IndexEntry> Manifests)
{
    /// <summary>Whether this is a Docker manifest list or an OCI image index.</summary>
    public bool IsIndex => MediaTypes.IsIndex(MediaType);

    /// <summary>Size of an image: the config plus the distinct layers, in bytes; null for an index.</summary>
    public long? ImageSize => Config is null
        ? null
        : new[] { Config }.Concat(Layers).DistinctBy(descriptor => descriptor.Digest, StringComparer.Ordinal).Sum(descriptor => descriptor.Size);

    /// <summary>Returns what the store keeps of this manifest.</summary>
    /// <param name="childSize">
    /// For an index, the image size of each child by digest, or null when the child could not be read; the child's
    /// manifest size replaces it then.
    /// </param>
    public ManifestDetails ToDetails(Func<string, long?> childSize)
    {
        ArgumentNullException.ThrowIfNull(childSize);

        if (!IsIndex)
        {
            return new ManifestDetails(ImageSize, Config?.MediaType, []);
        }

        var children = Manifests
            .Select(entry => new ManifestChild(entry.Digest, entry.MediaType, entry.Platform, childSize(entry.Digest) ?? entry.Size))
            .ToList();
        return new ManifestDetails(null, null, children);
    }
}

/// <summary>A content descriptor: how a manifest references a blob or another manifest.</summary>
/// <param name="MediaType">Media type of the content, empty when the descriptor names none.</param>
/// <param name="Digest">Digest of the content.</param>
/// <param name="Size">Size of the content in bytes.</param>
public sealed record ContentDescriptor(string MediaType, string Digest, long Size);

/// <summary>An entry of an index: a platform manifest or another artifact.</summary>
/// <param name="MediaType">Media type of the referenced manifest.</param>
/// <param name="Digest">Digest of the referenced manifest.</param>
/// <param name="Size">Size of the referenced manifest body in bytes.</param>
/// <param name="Platform">Platform as <c>os/architecture[/variant]</c>, or null when the entry names none.</param>
public sealed record IndexEntry(string MediaType, string Digest, long Size, string? Platform);
