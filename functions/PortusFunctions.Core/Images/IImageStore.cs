namespace PortusFunctions.Images;

/// <summary>Repositories, tags and manifests as the registry reported them, with their change versions.</summary>
public interface IImageStore
{
    /// <summary>Applies one change, retrying on concurrent writes to the same repository.</summary>
    /// <exception cref="Storage.StorageUnavailableException">Storage cannot be reached.</exception>
    Task<ApplyOutcome> ApplyAsync(ImageCommand command, CancellationToken cancellationToken);

    /// <summary>
    /// Applies up to <see cref="ImageStore.MaxBatch"/> changes to one repository with one read and one commit, in
    /// order, retrying on concurrent writes; more than one change must all be tag pushes, digest pushes or tag
    /// deletes (<see cref="ImageStore.IsBatchable"/>). Returns one outcome per change.
    /// </summary>
    /// <exception cref="Storage.StorageUnavailableException">Storage cannot be reached.</exception>
    Task<IReadOnlyList<ApplyOutcome>> ApplyAsync(IReadOnlyList<ImageCommand> commands, CancellationToken cancellationToken);

    /// <summary>Lists repositories that hold at least one tag or manifest, in ordinal order of their names.</summary>
    Task<IReadOnlyList<RepositoryListing>> ListRepositoriesAsync(CancellationToken cancellationToken);

    /// <summary>Returns every row of a repository, or null when it has no visible tag or manifest.</summary>
    Task<ImagePartition?> GetRepositoryAsync(string repository, CancellationToken cancellationToken);

    /// <summary>Loads every row of a repository, existing or not, for a caller that applies many changes.</summary>
    Task<ImagePartition> LoadAsync(string repository, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the changed rows of <paramref name="partition"/> in one transaction guarded by ETags, then updates
    /// the repository index.
    /// </summary>
    /// <exception cref="Azure.RequestFailedException">412 or 409: another writer changed the repository; reload and retry.</exception>
    Task CommitAsync(ImagePartition partition, CancellationToken cancellationToken);
}

/// <summary>A repository in the listing, with its counts.</summary>
/// <param name="Name">Full repository name.</param>
/// <param name="Namespace">Part of the name before the first slash, or null for the global namespace.</param>
/// <param name="TagCount">Number of visible tags.</param>
/// <param name="ManifestCount">Number of visible manifests, tagged or not.</param>
public sealed record RepositoryListing(string Name, string? Namespace, int TagCount, int ManifestCount);
