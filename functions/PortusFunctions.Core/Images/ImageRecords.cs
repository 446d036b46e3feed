using Azure;

namespace PortusFunctions.Images;

/// <summary>The summary row of a repository: its deletion tombstone and its visible counts.</summary>
public sealed class RepositorySummary
{
    /// <summary>Full repository name.</summary>
    public required string Name { get; init; }

    /// <summary>Version of the latest repository delete, or <see cref="ChangeVersion.None"/>.</summary>
    public ChangeVersion DeletedAt { get; set; } = ChangeVersion.None;

    /// <summary>Number of visible tags.</summary>
    public int TagCount { get; set; }

    /// <summary>Number of visible manifests, tagged or not.</summary>
    public int ManifestCount { get; set; }

    /// <summary>Number of committed changes to the partition; orders writes of the repository index.</summary>
    public long Sequence { get; set; }

    /// <summary>ETag of the stored row, or null when the row does not exist yet.</summary>
    public ETag? ETag { get; set; }
}

/// <summary>The latest assignment of a tag: the digest it points at, or a tombstone.</summary>
public sealed class TagRecord
{
    /// <summary>Tag name.</summary>
    public required string Tag { get; init; }

    /// <summary>Digest the tag pointed at last; kept on a tombstone for history.</summary>
    public string? Digest { get; set; }

    /// <summary>Media type of that manifest.</summary>
    public string? MediaType { get; set; }

    /// <summary>
    /// Digest the tag visibly pointed at just before the change that wrote this record, or null; lets a repeated
    /// event report the same change again.
    /// </summary>
    public string? PreviousDigest { get; set; }

    /// <summary>Version of the change that wrote this record.</summary>
    public ChangeVersion Version { get; set; } = ChangeVersion.None;

    /// <summary>Whether the latest assignment removed the tag.</summary>
    public bool Deleted { get; set; }

    /// <summary>ETag of the stored row, or null when the row does not exist yet.</summary>
    public ETag? ETag { get; set; }
}

/// <summary>A manifest in a repository: when it was last pushed and last deleted.</summary>
public sealed class ManifestRecord
{
    /// <summary>Manifest digest.</summary>
    public required string Digest { get; init; }

    /// <summary>Manifest media type, or null for a tombstone of a digest never seen pushed.</summary>
    public string? MediaType { get; set; }

    /// <summary>Content details from the push.</summary>
    public ManifestDetails Details { get; set; } = ManifestDetails.Unknown;

    /// <summary>Version of the latest push, or <see cref="ChangeVersion.None"/> if none was seen.</summary>
    public ChangeVersion PushedAt { get; set; } = ChangeVersion.None;

    /// <summary>Version of the latest delete of this digest, or <see cref="ChangeVersion.None"/>.</summary>
    public ChangeVersion DeletedAt { get; set; } = ChangeVersion.None;

    /// <summary>ETag of the stored row, or null when the row does not exist yet.</summary>
    public ETag? ETag { get; set; }
}
