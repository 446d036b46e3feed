using PortusFunctions.Images;
using PortusFunctions.Registry;

namespace PortusFunctions.Sync;

/// <summary>
/// The decisions of a sync of one repository: which manifests to read, which changes to write, and which deletes
/// a complete read proved. Pure functions of the store's rows and what was read from the registry.
/// </summary>
/// <remarks>
/// A change is planned only where the store differs from the registry, because every sync write carries a version
/// newer than the rows it meets and would otherwise rewrite them: a tag already visible at the digest the registry
/// names gets no command, and a manifest is read and written only when the store does not show it or lacks its
/// details.
/// </remarks>
public static class SyncPlanner
{
    /// <summary>
    /// Whether the store has complete details of a manifest: its media type, and its size, or for an index the size of
    /// every child. Details from an event without <c>includereferences</c> are unknown; an index from an event has
    /// no child sizes.
    /// </summary>
    public static bool IsComplete(ManifestRecord manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);

        if (string.IsNullOrEmpty(manifest.MediaType) || manifest.Details.IsUnknown)
        {
            return false;
        }

        return MediaTypes.IsIndex(manifest.MediaType)
            ? manifest.Details.Children.All(child => child.Size is not null)
            : manifest.Details.Size is not null;
    }

    /// <summary>Returns the digests of tagged manifests that the store does not show, or shows without complete details.</summary>
    public static IReadOnlyList<string> DigestsToRead(ImagePartition partition, RepositoryRead read)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(read);

        return
        [
            .. read.Tags.Values
                .Select(tag => tag.Digest)
                .Distinct(StringComparer.Ordinal)
                .Where(digest => !IsKnown(partition, digest))
                .Order(StringComparer.Ordinal),
        ];
    }

    /// <summary>Whether the store shows the manifest with complete details, so it need not be read.</summary>
    public static bool IsKnown(ImagePartition partition, string digest)
    {
        ArgumentNullException.ThrowIfNull(partition);

        var manifest = partition.FindManifest(digest);
        return manifest is not null && partition.IsVisible(manifest) && IsComplete(manifest);
    }

    /// <summary>
    /// Plans the pushes that bring the store in line with the registry: a manifest the store does not show or lacks
    /// details of, then each tag whose visible digest differs from the registry's.
    /// </summary>
    /// <param name="partition">The repository's rows, completely loaded.</param>
    /// <param name="read">What the registry holds.</param>
    /// <param name="fetched">Manifests read from the registry, tagged ones and index children, by digest.</param>
    /// <param name="version">Version of the sync's writes.</param>
    public static IReadOnlyList<ImageCommand> PlanUpserts(
        ImagePartition partition,
        RepositoryRead read,
        IReadOnlyDictionary<string, FetchedManifest> fetched,
        ChangeVersion version)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(fetched);

        var tagPushes = new List<ImageCommand>();
        var pushedDigests = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (tag, registryTag) in read.Tags.OrderBy(entry => entry.Key, StringComparer.Ordinal))
        {
            var stored = partition.FindTag(tag);
            var visibleDigest = stored is null ? null : partition.VisibleDigest(stored);
            if (string.Equals(visibleDigest, registryTag.Digest, StringComparison.Ordinal))
            {
                continue;
            }

            if (Describe(partition, registryTag, fetched) is not var (mediaType, details))
            {
                // Neither the registry's responses nor the store name the media type, so the tag waits for the next run.
                continue;
            }

            tagPushes.Add(new PushManifest(read.Repository, version, registryTag.Digest, mediaType, details, tag));
            pushedDigests.Add(registryTag.Digest);
        }

        var manifestPushes = new List<ImageCommand>();
        foreach (var manifest in fetched.Values.OrderBy(manifest => manifest.Digest, StringComparer.Ordinal))
        {
            if (pushedDigests.Contains(manifest.Digest))
            {
                continue;
            }

            var stored = partition.FindManifest(manifest.Digest);
            var differs = stored is null
                || !partition.IsVisible(stored)
                || (!IsComplete(stored) && !DetailsEqual(stored.Details, manifest.Details));
            if (differs)
            {
                manifestPushes.Add(new PushManifest(read.Repository, version, manifest.Digest, manifest.MediaType, manifest.Details, Tag: null));
            }
        }

        return [.. manifestPushes, .. tagPushes];
    }

    /// <summary>
    /// Returns the visible manifests of the store that no tag of the registry points at, directly or as a child of
    /// an index. Only a <c>HEAD</c> by digest shows whether the registry still contains them.
    /// </summary>
    public static IReadOnlyList<string> UntaggedManifests(
        ImagePartition partition,
        RepositoryRead read,
        IReadOnlyDictionary<string, FetchedManifest> fetched)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(fetched);

        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var digest in read.Tags.Values.Select(tag => tag.Digest))
        {
            referenced.Add(digest);
            var details = fetched.TryGetValue(digest, out var manifest) ? manifest.Details : partition.FindManifest(digest)?.Details;
            foreach (var child in details?.Children ?? [])
            {
                referenced.Add(child.Digest);
            }
        }

        return [.. partition.VisibleManifests().Select(manifest => manifest.Digest).Where(digest => !referenced.Contains(digest))];
    }

    /// <summary>
    /// Plans the deletes a complete read proved: visible tags the registry no longer lists, and manifests it returned
    /// 404 for. A repository that returned <c>NAME_UNKNOWN</c> proves nothing, and a listed tag whose digest could
    /// not be read is kept.
    /// </summary>
    public static IReadOnlyList<PendingDelete> PlanDeletes(
        ImagePartition partition,
        RepositoryRead read,
        IReadOnlyCollection<string> absentManifests,
        ChangeVersion version)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(absentManifests);

        if (!read.Found)
        {
            return [];
        }

        var deletes = partition.VisibleTags()
            .Where(tag => !read.Tags.ContainsKey(tag.Tag) && !read.UnresolvedTags.Contains(tag.Tag))
            .Select(tag => new PendingDelete(read.Repository, PendingDeleteKind.Tag, tag.Tag, version))
            .ToList();
        deletes.AddRange(absentManifests
            .Order(StringComparer.Ordinal)
            .Select(digest => new PendingDelete(read.Repository, PendingDeleteKind.Manifest, digest, version)));
        return deletes;
    }

    /// <summary>Whether two details hold the same values, children compared in order.</summary>
    public static bool DetailsEqual(ManifestDetails left, ManifestDetails right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);

        return left.Size == right.Size
            && string.Equals(left.ConfigMediaType, right.ConfigMediaType, StringComparison.Ordinal)
            && left.Children.SequenceEqual(right.Children);
    }

    /// <summary>
    /// Returns the media type and details of a tag's manifest: as read from the registry, else as the store has
    /// it, else the media type of the <c>HEAD</c> response with unknown details; null when none names a media type.
    /// </summary>
    private static (string MediaType, ManifestDetails Details)? Describe(
        ImagePartition partition,
        RegistryTag tag,
        IReadOnlyDictionary<string, FetchedManifest> fetched)
    {
        if (fetched.TryGetValue(tag.Digest, out var manifest))
        {
            return (manifest.MediaType, manifest.Details);
        }

        var stored = partition.FindManifest(tag.Digest);
        var mediaType = tag.MediaType ?? stored?.MediaType;
        return mediaType is null ? null : (mediaType, stored?.Details ?? ManifestDetails.Unknown);
    }
}
