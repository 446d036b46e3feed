using PortusFunctions.Images;
using PortusFunctions.Registry;

namespace PortusFunctions.Scanning;

/// <summary>A manifest that is visible in the image store, or a platform manifest of a visible index.</summary>
/// <param name="Digest">Manifest digest.</param>
/// <param name="Repository">The first repository, in ordinal order, where it is visible.</param>
/// <param name="Tag">The first tag, in ordinal order, that points at it there; null when untagged.</param>
/// <param name="MediaType">Manifest media type, when known.</param>
/// <param name="ConfigMediaType">Config media type, when known.</param>
/// <param name="Children">Platform manifests, for an index.</param>
public sealed record ScanCandidate(
    string Digest,
    string Repository,
    string? Tag,
    string? MediaType,
    string? ConfigMediaType,
    IReadOnlyList<ManifestChild> Children)
{
    /// <summary>
    /// Every repository, with a tag or null for an untagged manifest, where the digest is visible; a platform
    /// manifest of an index is listed untagged in the index's repositories.
    /// </summary>
    public List<ScannedReference> References { get; } = [];

    /// <summary>Whether the manifest is an index or a manifest list, which is scanned through its children.</summary>
    public bool IsIndex => MediaTypes.IsIndex(MediaType) || Children.Count > 0;

    /// <summary>
    /// Whether the config media type shows that the manifest is not a container image. An unknown config media type
    /// counts as an image, so a manifest seen only through events without references is still scanned.
    /// </summary>
    public bool IsKnownNonImage => ConfigMediaType is not null && !MediaTypes.IsImageConfig(ConfigMediaType);
}
