namespace PortusFunctions.Sync;

/// <summary>What a sync run read of one repository from the registry.</summary>
public sealed class RepositoryRead
{
    /// <summary>Repository name.</summary>
    public required string Repository { get; init; }

    /// <summary>
    /// Whether the registry returned a tag list, possibly empty; false for 404 <c>NAME_UNKNOWN</c>, which proves
    /// nothing absent.
    /// </summary>
    public required bool Found { get; init; }

    /// <summary>Tags the registry listed and resolved to a digest, by name.</summary>
    public IReadOnlyDictionary<string, RegistryTag> Tags { get; init; } = new Dictionary<string, RegistryTag>(StringComparer.Ordinal);

    /// <summary>Tags the registry listed whose digest could not be read; they are neither written nor deleted.</summary>
    public IReadOnlySet<string> UnresolvedTags { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The registry's time of the tag list.</summary>
    public DateTimeOffset ReadAt { get; init; }
}

/// <summary>A tag as the registry resolved it.</summary>
/// <param name="Digest">Digest of the manifest the tag points at.</param>
/// <param name="MediaType">Media type from the <c>HEAD</c> response, or null when it named none.</param>
public sealed record RegistryTag(string Digest, string? MediaType);

/// <summary>A manifest body read from the registry, described as the store keeps it.</summary>
/// <param name="Digest">Manifest digest.</param>
/// <param name="MediaType">Manifest media type.</param>
/// <param name="Details">Size, config media type, and for an index its children.</param>
public sealed record FetchedManifest(string Digest, string MediaType, Images.ManifestDetails Details);
