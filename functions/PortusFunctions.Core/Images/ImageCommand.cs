namespace PortusFunctions.Images;

/// <summary>A change to one repository, from a registry event or from a catalog synchronization.</summary>
/// <param name="Repository">Full repository name.</param>
/// <param name="Version">Position of the change in the order of changes.</param>
public abstract record ImageCommand(string Repository, ChangeVersion Version);

/// <summary>A manifest was pushed, and <paramref name="Tag"/>, when set, points at it now.</summary>
public sealed record PushManifest(
    string Repository,
    ChangeVersion Version,
    string Digest,
    string MediaType,
    ManifestDetails Details,
    string? Tag) : ImageCommand(Repository, Version);

/// <summary>A tag was removed from the repository.</summary>
public sealed record DeleteTag(string Repository, ChangeVersion Version, string Tag) : ImageCommand(Repository, Version);

/// <summary>
/// A digest was deleted from the repository: a manifest with every tag that pointed at it, or a blob,
/// which changes nothing visible.
/// </summary>
public sealed record DeleteDigest(string Repository, ChangeVersion Version, string Digest) : ImageCommand(Repository, Version);

/// <summary>The repository was deleted with all its tags and manifests.</summary>
public sealed record DeleteRepository(string Repository, ChangeVersion Version) : ImageCommand(Repository, Version);

/// <summary>What is known of a manifest's content.</summary>
/// <param name="Size">Config plus distinct layer sizes in bytes, for a single-platform manifest; null when unknown.</param>
/// <param name="ConfigMediaType">Media type of the config blob, which distinguishes images from other artifacts.</param>
/// <param name="Children">Platform manifests of an index, empty for a single-platform manifest.</param>
public sealed record ManifestDetails(long? Size, string? ConfigMediaType, IReadOnlyList<ManifestChild> Children)
{
    /// <summary>Nothing known.</summary>
    public static ManifestDetails Unknown { get; } = new(null, null, []);

    /// <summary>Whether nothing is known.</summary>
    public bool IsUnknown => Size is null && ConfigMediaType is null && Children.Count == 0;
}

/// <summary>A platform manifest referenced by an index.</summary>
/// <param name="Digest">Digest of the child manifest.</param>
/// <param name="MediaType">Media type of the child manifest.</param>
/// <param name="Platform">Platform as <c>os/architecture[/variant]</c>, or null when the index does not include it.</param>
/// <param name="Size">Size of the child: its config plus distinct layers when known, else its manifest size.</param>
public sealed record ManifestChild(string Digest, string MediaType, string? Platform, long? Size);
