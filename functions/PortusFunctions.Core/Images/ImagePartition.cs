namespace PortusFunctions.Images;

/// <summary>
/// The loaded rows of one repository and the rules that apply changes to them.
/// </summary>
/// <remarks>
/// <para>The rules, which make events idempotent and order-insensitive:</para>
/// <list type="bullet">
/// <item>A tag row keeps only its latest assignment (a push to a digest, or a tag delete) by version.</item>
/// <item>A manifest row keeps the version of its latest push and of its latest delete, each a maximum.</item>
/// <item>The summary row keeps the version of the latest repository delete, also a maximum.</item>
/// <item>A manifest is visible when its latest push is later than its latest delete and the repository delete.</item>
/// <item>A tag is visible when its latest assignment is a push that is later than the latest delete of that digest
/// and the repository delete.</item>
/// </list>
/// <para>Each row is a maximum over the changes it has seen, so applying changes in any order, or twice, gives the
/// same rows, and visibility is a function of those rows. This is also what applying the changes one by one in
/// version order to a registry would leave: a digest delete removes the tags pushed before it but not a later
/// re-push, and a late redelivery of an old push cannot move a tag back.</para>
/// <para>Counts in the summary row are kept by comparing the visibility of each affected row before and after a
/// change, so a change needs only the rows it can affect: the tag, the manifests the tag points at before and
/// after, every tag at a deleted digest, and all rows for a repository delete.</para>
/// </remarks>
public sealed class ImagePartition
{
    private readonly Dictionary<string, TagRecord?> _tags = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ManifestRecord?> _manifests = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirtyTags = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirtyManifests = new(StringComparer.Ordinal);
    private readonly List<ImageChange> _changes = [];

    /// <summary>Creates a partition from its summary row, with no other rows loaded yet.</summary>
    public ImagePartition(RepositorySummary summary)
    {
        Summary = summary ?? throw new ArgumentNullException(nameof(summary));
    }

    /// <summary>The repository's summary row.</summary>
    public RepositorySummary Summary { get; }

    /// <summary>Whether every row of the partition is loaded, so absent rows are known not to exist.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Whether the summary row changed since the last commit.</summary>
    public bool IsSummaryDirty { get; private set; }

    /// <summary>Number of rows, the summary included, that the next commit writes.</summary>
    public int DirtyRowCount => _dirtyTags.Count + _dirtyManifests.Count + (IsSummaryDirty ? 1 : 0);

    /// <summary>Tag rows changed since the last commit.</summary>
    public IEnumerable<TagRecord> DirtyTags => _dirtyTags.Select(tag => _tags[tag]!);

    /// <summary>Manifest rows changed since the last commit.</summary>
    public IEnumerable<ManifestRecord> DirtyManifests => _dirtyManifests.Select(digest => _manifests[digest]!);

    /// <summary>Visible changes made since the last commit, in the order the commands were applied.</summary>
    public IReadOnlyList<ImageChange> Changes => _changes;

    /// <summary>Every loaded tag row, tombstones included.</summary>
    public IEnumerable<TagRecord> Tags => _tags.Values.OfType<TagRecord>();

    /// <summary>Every loaded manifest row, tombstones included.</summary>
    public IEnumerable<ManifestRecord> Manifests => _manifests.Values.OfType<ManifestRecord>();

    /// <summary>Records a loaded tag row, or with <paramref name="record"/> null, that the row does not exist.</summary>
    public void LoadTag(string tag, TagRecord? record) => _tags[tag] = record;

    /// <summary>Records a loaded manifest row, or with <paramref name="record"/> null, that the row does not exist.</summary>
    public void LoadManifest(string digest, ManifestRecord? record) => _manifests[digest] = record;

    /// <summary>Marks the partition as fully loaded.</summary>
    public void MarkComplete() => IsComplete = true;

    /// <summary>Whether the row of <paramref name="tag"/> is loaded or known not to exist.</summary>
    public bool HasTag(string tag) => IsComplete || _tags.ContainsKey(tag);

    /// <summary>Whether the row of <paramref name="digest"/> is loaded or known not to exist.</summary>
    public bool HasManifest(string digest) => IsComplete || _manifests.ContainsKey(digest);

    /// <summary>Returns the tag row, or null when it does not exist.</summary>
    public TagRecord? FindTag(string tag) => Lookup(_tags, tag, "tag");

    /// <summary>Returns the manifest row, or null when it does not exist.</summary>
    public ManifestRecord? FindManifest(string digest) => Lookup(_manifests, digest, "manifest");

    /// <summary>
    /// Returns the digests of manifest rows that <paramref name="command"/> needs and that are not loaded yet:
    /// the manifest a tag points at now, which is known only once the tag row is loaded.
    /// </summary>
    public IEnumerable<string> MissingManifestsFor(ImageCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);

        var tag = command switch
        {
            PushManifest { Tag: not null } push => push.Tag,
            DeleteTag delete => delete.Tag,
            _ => null,
        };
        var digest = tag is null ? null : FindTag(tag)?.Digest;
        if (digest is not null && !HasManifest(digest))
        {
            yield return digest;
        }
    }

    /// <summary>Whether a manifest row is visible.</summary>
    public bool IsVisible(ManifestRecord manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);

        return !manifest.PushedAt.IsNone && manifest.PushedAt > manifest.DeletedAt && manifest.PushedAt > Summary.DeletedAt;
    }

    /// <summary>Whether a tag row is visible.</summary>
    public bool IsVisible(TagRecord tag)
    {
        ArgumentNullException.ThrowIfNull(tag);

        if (tag.Deleted || tag.Digest is null || tag.Version <= Summary.DeletedAt)
        {
            return false;
        }

        var manifest = FindManifest(tag.Digest);
        return manifest is null || tag.Version > manifest.DeletedAt;
    }

    /// <summary>Visible tags in ordinal order of their names.</summary>
    public IReadOnlyList<TagRecord> VisibleTags() =>
        [.. Tags.Where(IsVisible).OrderBy(tag => tag.Tag, StringComparer.Ordinal)];

    /// <summary>Visible manifests in ordinal order of their digests.</summary>
    public IReadOnlyList<ManifestRecord> VisibleManifests() =>
        [.. Manifests.Where(IsVisible).OrderBy(manifest => manifest.Digest, StringComparer.Ordinal)];

    /// <summary>Applies <paramref name="command"/> to the loaded rows and updates the summary counts.</summary>
    /// <returns>Whether any row changed, and if not, why.</returns>
    /// <exception cref="InvalidOperationException">A row the command needs is not loaded.</exception>
    public ApplyOutcome Apply(ImageCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!string.Equals(command.Repository, Summary.Name, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Command for '{command.Repository}' applied to partition of '{Summary.Name}'.", nameof(command));
        }

        var outcome = command switch
        {
            PushManifest push => ApplyPush(push),
            DeleteTag delete => ApplyTagDelete(delete),
            DeleteDigest delete => ApplyDigestDelete(delete),
            DeleteRepository delete => ApplyRepositoryDelete(delete),
            _ => throw new ArgumentException($"Unknown command type {command.GetType().Name}.", nameof(command)),
        };

        if (outcome.Changed)
        {
            IsSummaryDirty = true;
        }

        return outcome;
    }

    /// <summary>Clears the change tracking after a commit.</summary>
    public void MarkCommitted()
    {
        _dirtyTags.Clear();
        _dirtyManifests.Clear();
        _changes.Clear();
        IsSummaryDirty = false;
    }

    /// <summary>Returns the digest a tag points at when it is visible, otherwise null.</summary>
    public string? VisibleDigest(TagRecord tag) => IsVisible(tag) ? tag.Digest : null;

    /// <summary>Recounts visible tags and manifests from all rows; the partition must be complete.</summary>
    public (int Tags, int Manifests) Recount()
    {
        RequireComplete("recount");
        return (Tags.Count(IsVisible), Manifests.Count(IsVisible));
    }

    private ApplyOutcome ApplyPush(PushManifest push)
    {
        var changed = false;
        var manifest = FindManifest(push.Digest) ?? NewManifest(push.Digest);
        var tag = push.Tag is null ? null : FindTag(push.Tag) ?? NewTag(push.Tag);
        var tagBefore = tag is null ? null : VisibleDigest(tag);
        var manifestBefore = IsVisible(manifest);

        if (push.Version > manifest.PushedAt)
        {
            manifest.PushedAt = push.Version;
            manifest.MediaType = push.MediaType;
            if (!push.Details.IsUnknown)
            {
                manifest.Details = push.Details;
            }

            MarkDirty(manifest);
            changed = true;
        }
        else if (manifest.Details.IsUnknown && !push.Details.IsUnknown)
        {
            manifest.Details = push.Details;
            MarkDirty(manifest);
            changed = true;
        }

        if (tag is not null && push.Version > tag.Version)
        {
            tag.PreviousDigest = tagBefore;
            tag.Digest = push.Digest;
            tag.MediaType = push.MediaType;
            tag.Version = push.Version;
            tag.Deleted = false;
            MarkDirty(tag);
            changed = true;
        }

        RecordManifest(manifest, manifestBefore, push.Version);
        if (tag is not null)
        {
            RecordTag(tag, tagBefore, push.Version);
        }

        if (changed)
        {
            return ApplyOutcome.Applied;
        }

        // The same event again: report what it changed when it was applied, if it is still the latest writer.
        if (manifest.PushedAt == push.Version && IsVisible(manifest))
        {
            _changes.Add(new ManifestChanged(Summary.Name, push.Version, manifest.Digest, manifest.MediaType, manifest.Details, Visible: true));
        }

        if (tag is not null && tag.Version == push.Version && IsVisible(tag) && tag.PreviousDigest != tag.Digest)
        {
            _changes.Add(new TagChanged(Summary.Name, push.Version, tag.Tag, tag.PreviousDigest, tag.Digest, tag.MediaType));
        }

        return ApplyOutcome.Unchanged("a newer or the same change to this tag and manifest is already stored");
    }

    private ApplyOutcome ApplyTagDelete(DeleteTag delete)
    {
        var tag = FindTag(delete.Tag) ?? NewTag(delete.Tag);
        if (delete.Version <= tag.Version)
        {
            if (tag.Version == delete.Version && tag.PreviousDigest is not null)
            {
                _changes.Add(new TagChanged(Summary.Name, delete.Version, tag.Tag, tag.PreviousDigest, null, tag.MediaType));
            }

            return ApplyOutcome.Unchanged("a newer or the same change to this tag is already stored");
        }

        var before = VisibleDigest(tag);
        tag.PreviousDigest = before;
        tag.Version = delete.Version;
        tag.Deleted = true;
        MarkDirty(tag);
        RecordTag(tag, before, delete.Version);
        return ApplyOutcome.Applied;
    }

    private ApplyOutcome ApplyDigestDelete(DeleteDigest delete)
    {
        var manifest = FindManifest(delete.Digest) ?? NewManifest(delete.Digest);
        if (delete.Version <= manifest.DeletedAt)
        {
            if (manifest.DeletedAt == delete.Version)
            {
                ReplayDigestDelete(manifest, delete.Version);
            }

            return ApplyOutcome.Unchanged("a later or the same delete of this digest is already stored");
        }

        // Every tag at this digest must be loaded, or the count would miss tags that this delete hides.
        var tagsBefore = Tags
            .Where(tag => string.Equals(tag.Digest, delete.Digest, StringComparison.Ordinal))
            .Select(tag => (Tag: tag, Digest: VisibleDigest(tag)))
            .ToList();
        var manifestBefore = IsVisible(manifest);

        manifest.DeletedAt = delete.Version;
        MarkDirty(manifest);

        foreach (var (tag, digest) in tagsBefore)
        {
            RecordTag(tag, digest, delete.Version);
        }

        RecordManifest(manifest, manifestBefore, delete.Version);

        // The tombstone is stored even for a digest never seen pushed, because the push may arrive later with an
        // earlier timestamp and must then stay deleted. Such a delete is usually of a blob and changes nothing visible.
        return manifest.PushedAt.IsNone
            ? ApplyOutcome.Ignored("the digest is not a known manifest (a blob delete, or a manifest not seen yet)")
            : ApplyOutcome.Applied;
    }

    private ApplyOutcome ApplyRepositoryDelete(DeleteRepository delete)
    {
        RequireComplete("apply a repository delete");
        if (delete.Version <= Summary.DeletedAt)
        {
            if (Summary.DeletedAt == delete.Version)
            {
                _changes.Add(new RepositoryDeleted(Summary.Name, delete.Version));
            }

            return ApplyOutcome.Unchanged("a later or the same delete of this repository is already stored");
        }

        var tagsBefore = Tags.Select(tag => (Tag: tag, Digest: VisibleDigest(tag))).ToList();
        var manifestsBefore = Manifests.Select(manifest => (Manifest: manifest, Visible: IsVisible(manifest))).ToList();
        var hadContent = Summary.TagCount > 0 || Summary.ManifestCount > 0;

        Summary.DeletedAt = delete.Version;
        foreach (var (tag, digest) in tagsBefore)
        {
            RecordTag(tag, digest, delete.Version);
        }

        foreach (var (manifest, visible) in manifestsBefore)
        {
            RecordManifest(manifest, visible, delete.Version);
        }

        if (hadContent)
        {
            _changes.Add(new RepositoryDeleted(Summary.Name, delete.Version));
        }

        return ApplyOutcome.Applied;
    }

    private TagRecord NewTag(string tag)
    {
        var record = new TagRecord { Tag = tag };
        _tags[tag] = record;
        return record;
    }

    private ManifestRecord NewManifest(string digest)
    {
        var record = new ManifestRecord { Digest = digest };
        _manifests[digest] = record;
        return record;
    }

    private void MarkDirty(TagRecord tag) => _dirtyTags.Add(tag.Tag);

    private void MarkDirty(ManifestRecord manifest) => _dirtyManifests.Add(manifest.Digest);

    private T? Lookup<T>(Dictionary<string, T?> rows, string key, string kind)
        where T : class
    {
        if (rows.TryGetValue(key, out var record))
        {
            return record;
        }

        if (IsComplete)
        {
            return null;
        }

        throw new InvalidOperationException($"The {kind} row '{key}' of repository '{Summary.Name}' is not loaded.");
    }

    private void RequireComplete(string operation)
    {
        if (!IsComplete)
        {
            throw new InvalidOperationException($"Cannot {operation} on repository '{Summary.Name}': not every row is loaded.");
        }
    }

    /// <summary>
    /// Reports the changes of a digest delete applied before: the manifest is gone, and so are the tags that pointed
    /// at it with an earlier version. A tag hidden by an even earlier delete is reported too.
    /// </summary>
    private void ReplayDigestDelete(ManifestRecord manifest, ChangeVersion version)
    {
        if (!manifest.PushedAt.IsNone && manifest.PushedAt < version)
        {
            _changes.Add(new ManifestChanged(Summary.Name, version, manifest.Digest, manifest.MediaType, manifest.Details, Visible: false));
        }

        foreach (var tag in Tags.Where(tag => string.Equals(tag.Digest, manifest.Digest, StringComparison.Ordinal)
            && !tag.Deleted && tag.Version < version && tag.Version > Summary.DeletedAt))
        {
            _changes.Add(new TagChanged(Summary.Name, version, tag.Tag, tag.Digest, null, tag.MediaType));
        }
    }

    /// <summary>Updates the tag count and records a change when the tag's visible digest changed.</summary>
    private void RecordTag(TagRecord tag, string? before, ChangeVersion version)
    {
        var after = VisibleDigest(tag);
        Summary.TagCount += (after is null ? 0 : 1) - (before is null ? 0 : 1);
        if (!string.Equals(before, after, StringComparison.Ordinal))
        {
            _changes.Add(new TagChanged(Summary.Name, version, tag.Tag, before, after, tag.MediaType));
        }
    }

    /// <summary>Updates the manifest count and records a change when the manifest appeared or disappeared.</summary>
    private void RecordManifest(ManifestRecord manifest, bool before, ChangeVersion version)
    {
        var after = IsVisible(manifest);
        if (before == after)
        {
            return;
        }

        Summary.ManifestCount += after ? 1 : -1;
        _changes.Add(new ManifestChanged(Summary.Name, version, manifest.Digest, manifest.MediaType, manifest.Details, after));
    }
}

/// <summary>Whether a change altered any row, and if not, why.</summary>
/// <param name="Changed">Whether rows were written.</param>
/// <param name="Reason">Why nothing changed; null when <paramref name="Changed"/> is true.</param>
/// <param name="IsIgnored">Whether the change was not applicable at all, as opposed to already applied.</param>
public sealed record ApplyOutcome(bool Changed, string? Reason, bool IsIgnored)
{
    /// <summary>Rows changed.</summary>
    public static ApplyOutcome Applied { get; } = new(true, null, false);

    /// <summary>Nothing changed because a newer or equal change is stored already.</summary>
    public static ApplyOutcome Unchanged(string reason) => new(false, reason, false);

    /// <summary>The change was recorded but does not apply to anything visible.</summary>
    public static ApplyOutcome Ignored(string reason) => new(true, reason, true);
}
