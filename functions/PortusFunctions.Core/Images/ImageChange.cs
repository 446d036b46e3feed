namespace PortusFunctions.Images;

/// <summary>
/// A visible change to a repository, reported to <see cref="IImageChangeObserver"/> after the rows that hold it are
/// committed. <see cref="Version"/> is the change that caused it; with the repository and the tag or digest it
/// identifies the change, so a consumer can store it idempotently.
/// </summary>
/// <param name="Repository">Full repository name.</param>
/// <param name="Version">Version of the event or sync read that caused the change.</param>
public abstract record ImageChange(string Repository, ChangeVersion Version);

/// <summary>A tag appeared, moved to another digest, or disappeared.</summary>
/// <param name="Repository">Full repository name.</param>
/// <param name="Version">Version of the change that caused it.</param>
/// <param name="Tag">Tag name.</param>
/// <param name="OldDigest">Digest the tag pointed at before, or null when it did not exist.</param>
/// <param name="NewDigest">Digest it points at now, or null when it is gone.</param>
/// <param name="MediaType">Media type of the manifest at <paramref name="NewDigest"/>, or of the last one when gone.</param>
public sealed record TagChanged(string Repository, ChangeVersion Version, string Tag, string? OldDigest, string? NewDigest, string? MediaType)
    : ImageChange(Repository, Version);

/// <summary>A manifest became visible or stopped being visible.</summary>
/// <param name="Repository">Full repository name.</param>
/// <param name="Version">Version of the change that caused it.</param>
/// <param name="Digest">Manifest digest.</param>
/// <param name="MediaType">Manifest media type, when known.</param>
/// <param name="Details">What is known of the manifest's content.</param>
/// <param name="Visible">True when it appeared, false when it was deleted.</param>
public sealed record ManifestChanged(string Repository, ChangeVersion Version, string Digest, string? MediaType, ManifestDetails Details, bool Visible)
    : ImageChange(Repository, Version);

/// <summary>A repository that held tags or manifests was deleted as a whole.</summary>
/// <param name="Repository">Full repository name.</param>
/// <param name="Version">Version of the delete.</param>
public sealed record RepositoryDeleted(string Repository, ChangeVersion Version) : ImageChange(Repository, Version);

/// <summary>
/// Receives the visible changes of every commit to the image store, such as the scanner's queue of new digests.
/// </summary>
/// <remarks>
/// Observers run after the commit and before the inbox marks the event done. An observer that throws makes the
/// apply fail, so the event stays pending and is applied again; observers must therefore be idempotent. A change is
/// reported once per commit that makes it: applying the same event again reports nothing.
/// </remarks>
public interface IImageChangeObserver
{
    /// <summary>Handles the changes of one commit.</summary>
    Task OnChangedAsync(IReadOnlyList<ImageChange> changes, CancellationToken cancellationToken);
}
