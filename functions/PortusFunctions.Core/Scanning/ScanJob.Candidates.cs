using Microsoft.Extensions.Logging;
using PortusFunctions.Images;

namespace PortusFunctions.Scanning;

/// <summary>Finding the digests to scan: the candidates in the image store, and their status rows.</summary>
public sealed partial class ScanJob
{
    /// <summary>
    /// Lists the visible manifests of every repository, each digest once with the first repository in ordinal order,
    /// and the platform manifests of visible indexes.
    /// </summary>
    private async Task<Dictionary<string, ScanCandidate>> LoadCandidatesAsync(CancellationToken cancellationToken)
    {
        // NOTE: this reads every repository partition on each run, one query per repository.
        var candidates = new Dictionary<string, ScanCandidate>(StringComparer.Ordinal);
        foreach (var listing in await _images.ListRepositoriesAsync(cancellationToken).ConfigureAwait(false))
        {
            var partition = await _images.GetRepositoryAsync(listing.Name, cancellationToken).ConfigureAwait(false);
            if (partition is null)
            {
                continue;
            }

            var tags = partition.VisibleTags()
                .GroupBy(tag => tag.Digest!, StringComparer.Ordinal)
                .ToDictionary(group => group.Key, group => group.First().Tag, StringComparer.Ordinal);
            var tagsByDigest = partition.VisibleTags().ToLookup(tag => tag.Digest!, tag => tag.Tag, StringComparer.Ordinal);
            foreach (var manifest in partition.VisibleManifests())
            {
                if (!candidates.TryGetValue(manifest.Digest, out var candidate))
                {
                    candidate = new ScanCandidate(
                        manifest.Digest,
                        listing.Name,
                        tags.GetValueOrDefault(manifest.Digest),
                        manifest.MediaType,
                        manifest.Details.ConfigMediaType,
                        manifest.Details.Children);
                    candidates[manifest.Digest] = candidate;
                }

                var tagged = tagsByDigest[manifest.Digest].ToList();
                candidate.References.AddRange(tagged.Count == 0
                    ? [new ScannedReference(listing.Name, null)]
                    : tagged.Select(tag => new ScannedReference(listing.Name, tag)));
            }
        }

        foreach (var index in candidates.Values.Where(candidate => candidate.IsIndex).ToList())
        {
            foreach (var child in index.Children)
            {
                if (!candidates.TryGetValue(child.Digest, out var candidate))
                {
                    candidate = new ScanCandidate(child.Digest, index.Repository, null, child.MediaType, null, []);
                    candidates[child.Digest] = candidate;
                }

                candidate.References.AddRange(index.References.Select(reference => reference.Repository).Distinct(StringComparer.Ordinal)
                    .Where(repository => !candidate.References.Any(known => known.Repository == repository))
                    .Select(repository => new ScannedReference(repository, null)));
            }
        }

        return candidates;
    }

    /// <summary>Reads every status row and creates a pending one for each candidate that has none.</summary>
    private async Task<Dictionary<string, ScanStatusRecord>> ReconcileAsync(
        Dictionary<string, ScanCandidate> candidates,
        ScanCounters counters,
        CancellationToken cancellationToken)
    {
        var rows = (await _store.ListAsync(cancellationToken).ConfigureAwait(false))
            .ToDictionary(row => row.Digest, StringComparer.Ordinal);
        foreach (var candidate in candidates.Values.Where(candidate => !rows.ContainsKey(candidate.Digest)))
        {
            var row = new ScanStatusRecord
            {
                Digest = candidate.Digest,
                Repository = candidate.Repository,
                MediaType = candidate.MediaType,
                ConfigMediaType = candidate.ConfigMediaType,
                CreatedAt = _clock.GetUtcNow(),
            };
            if (await _store.TryAddAsync(row, cancellationToken).ConfigureAwait(false))
            {
                counters.Add(ScanCounters.StatusRowsCreated);
                rows[row.Digest] = row;
            }
            else if (await _store.GetAsync(candidate.Digest, cancellationToken).ConfigureAwait(false) is { } existing)
            {
                rows[existing.Digest] = existing;
            }
        }

        var created = counters.Get(ScanCounters.StatusRowsCreated);
        if (created > 0)
        {
            LogReconciled(created);
        }

        return rows;
    }
}
