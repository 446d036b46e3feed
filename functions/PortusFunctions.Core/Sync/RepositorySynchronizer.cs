using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PortusFunctions.Images;
using PortusFunctions.Registry;

namespace PortusFunctions.Sync;

/// <summary>
/// Synchronizes one repository within a run: lists its tags, resolves each to a digest with <c>HEAD</c>, reads the
/// manifests the store does not know, writes what differs, and records the deletes a complete read proved.
/// </summary>
/// <remarks>
/// Every registry request passes a gate shared by the run, so at most <see cref="RegistryOptions.MaxConcurrency"/>
/// requests are in flight however the repositories and their tags are spread.
/// </remarks>
public sealed partial class RepositorySynchronizer
{
    private readonly RegistryClient _client;
    private readonly SyncWriter _writer;
    private readonly SyncPendingStore _pending;
    private readonly SyncCounts _counts;
    private readonly SemaphoreSlim _gate;
    private readonly int _concurrency;
    private readonly ILogger _logger;

    /// <summary>Creates the synchronizer of one run.</summary>
    public RepositorySynchronizer(
        RegistryClient client,
        SyncWriter writer,
        SyncPendingStore pending,
        SyncCounts counts,
        SemaphoreSlim gate,
        int concurrency,
        ILogger logger)
    {
        _client = client;
        _writer = writer;
        _pending = pending;
        _counts = counts;
        _gate = gate;
        _concurrency = concurrency;
        _logger = logger;
    }

    /// <summary>Synchronizes <paramref name="repository"/>.</summary>
    /// <param name="repository">Repository name, valid.</param>
    /// <param name="settleMargin">How far before the registry's time of the read the writes are versioned.</param>
    /// <param name="source">Source id of the writes, <c>sync:RUN</c>.</param>
    /// <param name="deletesToPass">Pass that collects the proved deletes, or null when the strategy never deletes.</param>
    /// <param name="readToken">
    /// Cancels the registry requests, such as at the end of the time budget; it must also be cancelled when
    /// <paramref name="cancellationToken"/> is.
    /// </param>
    /// <param name="cancellationToken">Cancels the work, storage writes included.</param>
    /// <returns>
    /// True when every tag was read; false when some tag could not be read, so the repository is read again.
    /// </returns>
    /// <remarks>
    /// When <paramref name="readToken"/> cancels a read, the method throws <see cref="OperationCanceledException"/>.
    /// It has then written only changes that earlier reads proved, and recorded no delete, so the repository
    /// proves nothing absent.
    /// </remarks>
    /// <exception cref="RegistryException">The tag list or a manifest could not be read; the repository stays as it is.</exception>
    /// <exception cref="Storage.StorageUnavailableException">Storage cannot be reached.</exception>
    public async Task<bool> SyncAsync(
        string repository,
        TimeSpan settleMargin,
        string source,
        string? deletesToPass,
        CancellationToken readToken,
        CancellationToken cancellationToken)
    {
        var listing = await GatedAsync(token => _client.ListTagsAsync(repository, token), readToken).ConfigureAwait(false);
        if (!listing.Found)
        {
            // Listed by the catalog but holding no manifest (a repository with only mounted blobs): nothing to add,
            // and not proof that the store's rows of it are gone.
            _counts.AddSkipped();
            LogNameUnknown(repository);
            return true;
        }

        // A read that was cancelled is not counted, because the run that reads the repository again counts it.
        bool complete;
        try
        {
            complete = await SyncListedAsync(listing, settleMargin, source, deletesToPass, readToken, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            _counts.AddRepository(listing.Tags.Count);
            throw;
        }

        _counts.AddRepository(listing.Tags.Count);
        return complete;
    }

    private async Task<bool> SyncListedAsync(
        TagListing listing,
        TimeSpan settleMargin,
        string source,
        string? deletesToPass,
        CancellationToken readToken,
        CancellationToken cancellationToken)
    {
        var repository = listing.Repository;
        var (read, complete) = await ResolveTagsAsync(listing, readToken).ConfigureAwait(false);
        var version = ChangeVersion.At(listing.ReadAt - settleMargin, source);
        var fetched = new ConcurrentDictionary<string, FetchedManifest>(StringComparer.Ordinal);

        var partition = await _writer.ApplyAsync(
            repository,
            async (rows, _) =>
            {
                await FetchAsync(repository, rows, SyncPlanner.DigestsToRead(rows, read), fetched, readToken).ConfigureAwait(false);
                return SyncPlanner.PlanUpserts(rows, read, fetched, version);
            },
            cancellationToken).ConfigureAwait(false);

        if (deletesToPass is not null)
        {
            var absent = await FindAbsentManifestsAsync(repository, SyncPlanner.UntaggedManifests(partition, read, fetched), readToken)
                .ConfigureAwait(false);
            var deletes = SyncPlanner.PlanDeletes(partition, read, absent, version);
            await _pending.AddDeletesAsync(deletesToPass, deletes, cancellationToken).ConfigureAwait(false);
        }

        return complete;
    }

    private async Task<(RepositoryRead Read, bool Complete)> ResolveTagsAsync(TagListing listing, CancellationToken cancellationToken)
    {
        var resolved = new ConcurrentDictionary<string, RegistryTag>(StringComparer.Ordinal);
        var unresolved = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var failed = 0;
        var tags = new List<string>();
        foreach (var tag in listing.Tags.Distinct(StringComparer.Ordinal))
        {
            if (ReferenceRules.IsValidTag(tag))
            {
                tags.Add(tag);
            }
            else
            {
                unresolved[tag] = true;
                _counts.AddSkipped();
                LogInvalidTag(listing.Repository, tag);
            }
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = _concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(tags, options, async (tag, token) =>
        {
            try
            {
                var head = await GatedAsync(inner => _client.HeadManifestAsync(listing.Repository, tag, inner), token).ConfigureAwait(false);
                if (head is null)
                {
                    // Deleted between the list and the HEAD: neither written nor deleted in this run.
                    unresolved[tag] = true;
                    _counts.AddSkipped();
                    return;
                }

                resolved[tag] = new RegistryTag(head.Digest, head.MediaType);
            }
            catch (RegistryException exception) when (exception is not RegistryAuthException { AffectsEveryRequest: true })
            {
                unresolved[tag] = true;
                _counts.AddError();
                Interlocked.Increment(ref failed);
                LogTagFailed(exception, listing.Repository, tag);
            }
        }).ConfigureAwait(false);

        var read = new RepositoryRead
        {
            Repository = listing.Repository,
            Found = true,
            Tags = resolved,
            UnresolvedTags = unresolved.Keys.ToHashSet(StringComparer.Ordinal),
            ReadAt = listing.ReadAt,
        };
        return (read, failed == 0);
    }

    /// <summary>Reads the manifests in <paramref name="digests"/> and, for an index, the children the store does not know.</summary>
    private async Task FetchAsync(
        string repository,
        ImagePartition partition,
        IReadOnlyList<string> digests,
        ConcurrentDictionary<string, FetchedManifest> fetched,
        CancellationToken cancellationToken)
    {
        foreach (var digest in digests.Where(digest => !fetched.ContainsKey(digest)))
        {
            var parsed = await ReadManifestAsync(repository, digest, cancellationToken).ConfigureAwait(false);
            if (parsed is null)
            {
                continue;
            }

            var childSizes = new Dictionary<string, long?>(StringComparer.Ordinal);
            foreach (var entry in parsed.Manifests)
            {
                childSizes[entry.Digest] = await ChildSizeAsync(repository, partition, entry, fetched, cancellationToken).ConfigureAwait(false);
            }

            fetched[digest] = new FetchedManifest(digest, parsed.MediaType, parsed.ToDetails(child => childSizes.GetValueOrDefault(child)));
        }
    }

    private async Task<long?> ChildSizeAsync(
        string repository,
        ImagePartition partition,
        IndexEntry entry,
        ConcurrentDictionary<string, FetchedManifest> fetched,
        CancellationToken cancellationToken)
    {
        if (SyncPlanner.IsKnown(partition, entry.Digest))
        {
            return partition.FindManifest(entry.Digest)!.Details.Size;
        }

        if (fetched.TryGetValue(entry.Digest, out var known))
        {
            return known.Details.Size;
        }

        ParsedManifest? child;
        try
        {
            child = await ReadManifestAsync(repository, entry.Digest, cancellationToken).ConfigureAwait(false);
        }
        catch (RegistryException exception) when (exception is not RegistryAuthException { AffectsEveryRequest: true })
        {
            _counts.AddError();
            LogManifestFailed(exception, repository, entry.Digest);
            return null;
        }

        if (child is null)
        {
            return null;
        }

        // A nested index keeps the manifest sizes of its own children.
        fetched[entry.Digest] = new FetchedManifest(entry.Digest, child.MediaType, child.ToDetails(_ => null));
        return child.ImageSize;
    }

    /// <summary>Reads and parses a manifest; null when the registry has none or it is neither an image manifest nor an index.</summary>
    private async Task<ParsedManifest?> ReadManifestAsync(string repository, string digest, CancellationToken cancellationToken)
    {
        var content = await GatedAsync(token => _client.GetManifestAsync(repository, digest, token), cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            return null;
        }

        try
        {
            return content.Parse();
        }
        catch (FormatException exception)
        {
            _counts.AddSkipped();
            LogUnreadableManifest(repository, digest, exception.Message);
            return null;
        }
    }

    /// <summary>Returns the digests the registry returns 404 for; a failed <c>HEAD</c> keeps the manifest.</summary>
    private async Task<IReadOnlyCollection<string>> FindAbsentManifestsAsync(
        string repository,
        IReadOnlyList<string> digests,
        CancellationToken cancellationToken)
    {
        var absent = new ConcurrentBag<string>();
        var options = new ParallelOptions { MaxDegreeOfParallelism = _concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(digests, options, async (digest, token) =>
        {
            try
            {
                var head = await GatedAsync(inner => _client.HeadManifestAsync(repository, digest, inner), token).ConfigureAwait(false);
                if (head is null)
                {
                    absent.Add(digest);
                }
            }
            catch (RegistryException exception) when (exception is not RegistryAuthException { AffectsEveryRequest: true })
            {
                _counts.AddError();
                LogManifestFailed(exception, repository, digest);
            }
        }).ConfigureAwait(false);

        return absent;
    }

    private async Task<T> GatedAsync<T>(Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await request(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(EventId = 3130, Level = LogLevel.Debug, Message = "Repository {Repository} is listed but returns NAME_UNKNOWN; its rows are kept as they are")]
    private partial void LogNameUnknown(string repository);

    [LoggerMessage(EventId = 3131, Level = LogLevel.Warning, Message = "Repository {Repository} lists an invalid tag '{Tag}'; it is skipped")]
    private partial void LogInvalidTag(string repository, string tag);

    [LoggerMessage(EventId = 3132, Level = LogLevel.Warning, Message = "The digest of {Repository}:{Tag} could not be read; the tag is kept as it is")]
    private partial void LogTagFailed(Exception exception, string repository, string tag);

    [LoggerMessage(EventId = 3133, Level = LogLevel.Warning, Message = "Manifest {Repository}@{Digest} could not be read; it is kept as it is")]
    private partial void LogManifestFailed(Exception exception, string repository, string digest);

    [LoggerMessage(EventId = 3134, Level = LogLevel.Warning, Message = "Manifest {Repository}@{Digest} is neither an image manifest nor an index and is not described: {Reason}")]
    private partial void LogUnreadableManifest(string repository, string digest, string reason);
}
