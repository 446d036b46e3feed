using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using PortusFunctions.Registry;
using PortusFunctions.Storage;

namespace PortusFunctions.Images;

/// <summary><see cref="IImageStore"/> on Azure Table Storage; see <see cref="ImageRows"/> for the layout.</summary>
public sealed partial class ImageStore : IImageStore
{
    private const int MaxAttempts = 12;

    /// <summary>
    /// Maximum number of commands in one batch. With the summary, their tag and manifest keys make at most 13 row
    /// keys, and Table Storage accepts at most 15 comparisons in a filter.
    /// </summary>
    public const int MaxBatch = 6;

    // Index rows this store wrote or read last, by repository: enough to update one without reading it first.
    private const int MaxRememberedIndexRows = 100_000;

    private readonly ConcurrentDictionary<string, (long Sequence, ETag ETag)> _indexRows = new(StringComparer.Ordinal);
    private readonly TableStore _tables;
    private readonly IReadOnlyList<IImageChangeObserver> _observers;
    private readonly TimeProvider _clock;
    private readonly ILogger<ImageStore> _logger;

    /// <summary>Creates the store.</summary>
    public ImageStore(TableStore tables, IEnumerable<IImageChangeObserver> observers, TimeProvider clock, ILogger<ImageStore> logger)
    {
        _tables = tables;
        _observers = [.. observers];
        _clock = clock;
        _logger = logger;
    }

    /// <inheritdoc/>
    public async Task<ApplyOutcome> ApplyAsync(ImageCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);

        var outcomes = await ApplyAsync([command], cancellationToken).ConfigureAwait(false);
        return outcomes[0];
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ApplyOutcome>> ApplyAsync(IReadOnlyList<ImageCommand> commands, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commands);
        CheckBatch(commands);

        for (var attempt = 1; ; attempt++)
        {
            var partition = await LoadForAsync(commands, cancellationToken).ConfigureAwait(false);
            var outcomes = commands.Select(partition.Apply).ToList();
            try
            {
                if (partition.DirtyRowCount > 0)
                {
                    await CommitAsync(partition, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // Nothing to write, but an earlier apply of these events may have stopped after its commit and
                    // before the index write or the observers: both are repeated, and observers are idempotent.
                    await UpdateIndexAsync(partition.Summary, cancellationToken).ConfigureAwait(false);
                    await NotifyAsync([.. partition.Changes], cancellationToken).ConfigureAwait(false);
                }

                return outcomes;
            }
            catch (RequestFailedException exception)
                when (attempt < MaxAttempts && (StorageFailure.IsPreconditionFailed(exception) || StorageFailure.IsConflict(exception)))
            {
                LogConcurrentWrite(commands[0].Repository, attempt);
                await Task.Delay(Random.Shared.Next(5, 20 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="command"/> can join a batch of <see cref="ApplyAsync(IReadOnlyList{ImageCommand}, CancellationToken)"/>:
    /// tag pushes, digest pushes and tag deletes read their rows by key; digest and repository deletes search the
    /// repository and are applied alone.
    /// </summary>
    public static bool IsBatchable(ImageCommand command) => command is PushManifest or DeleteTag;

    private static void CheckBatch(IReadOnlyList<ImageCommand> commands)
    {
        if (commands.Count == 0 || commands.Count > MaxBatch)
        {
            throw new ArgumentException($"A batch contains 1 to {MaxBatch} commands, but this one contains {commands.Count}.", nameof(commands));
        }

        if (commands.Count > 1)
        {
            var repository = commands[0].Repository;
            if (commands.Any(command => !IsBatchable(command) || !string.Equals(command.Repository, repository, StringComparison.Ordinal)))
            {
                throw new ArgumentException(
                    "A batch of more than one command contains only tag pushes, digest pushes and tag deletes of one repository.", nameof(commands));
            }
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<RepositoryListing>> ListRepositoriesAsync(CancellationToken cancellationToken)
    {
        var table = await _tables.GetTableAsync(TableNames.Repositories, cancellationToken).ConfigureAwait(false);
        var listings = new List<RepositoryListing>();
        await foreach (var entity in table.QueryRowsAsync(filter: null, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var tags = entity.GetInt32("TagCount") ?? 0;
            var manifests = entity.GetInt32("ManifestCount") ?? 0;
            if (tags > 0 || manifests > 0)
            {
                var name = entity.GetString("Name") ?? KeyCodec.Decode(entity.RowKey);
                listings.Add(new RepositoryListing(name, ReferenceRules.NamespaceOf(name), tags, manifests));
            }
        }

        listings.Sort((left, right) => string.CompareOrdinal(left.Name, right.Name));
        return listings;
    }

    /// <inheritdoc/>
    public async Task<ImagePartition?> GetRepositoryAsync(string repository, CancellationToken cancellationToken)
    {
        var partition = await LoadAsync(repository, cancellationToken).ConfigureAwait(false);
        var (tags, manifests) = partition.Recount();
        return partition.Summary.ETag is null || (tags == 0 && manifests == 0) ? null : partition;
    }

    /// <inheritdoc/>
    public async Task<ImagePartition> LoadAsync(string repository, CancellationToken cancellationToken)
    {
        var table = await _tables.GetTableAsync(TableNames.Images, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {ImageRows.PartitionKey(repository)}");
        var partition = await ReadPartitionAsync(table, repository, filter, cancellationToken).ConfigureAwait(false);
        partition.MarkComplete();
        return partition;
    }

    /// <inheritdoc/>
    public async Task CommitAsync(ImagePartition partition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partition);

        if (partition.DirtyRowCount > TableBatchWriter.MaxActionsPerTransaction)
        {
            throw new InvalidOperationException(
                $"A commit writes at most {TableBatchWriter.MaxActionsPerTransaction} rows; {partition.DirtyRowCount} are changed.");
        }

        var summary = partition.Summary;
        summary.Sequence++;
        var now = _clock.GetUtcNow();
        var rows = new List<(TableEntity Entity, ETag? ETag, Action<ETag> Stored)>
        {
            (ImageRows.ToEntity(summary, now), summary.ETag, etag => summary.ETag = etag),
        };
        rows.AddRange(partition.DirtyTags.Select(tag =>
            (ImageRows.ToEntity(summary.Name, tag), tag.ETag, (Action<ETag>)(etag => tag.ETag = etag))));
        rows.AddRange(partition.DirtyManifests.Select(manifest =>
            (ImageRows.ToEntity(summary.Name, manifest), manifest.ETag, (Action<ETag>)(etag => manifest.ETag = etag))));

        var actions = rows.Select(row => row.ETag is { } etag
            ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, row.Entity, etag)
            : new TableTransactionAction(TableTransactionActionType.Add, row.Entity));

        var table = await _tables.GetTableAsync(TableNames.Images, cancellationToken).ConfigureAwait(false);
        Response<IReadOnlyList<Response>> response;
        try
        {
            response = await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException exception) when (StorageFailure.IsTransient(exception))
        {
            summary.Sequence--;
            throw StorageFailure.Wrap(exception, $"write repository {summary.Name}");
        }
        catch
        {
            summary.Sequence--;
            throw;
        }

        for (var i = 0; i < rows.Count; i++)
        {
            rows[i].Stored(response.Value[i].Headers.ETag ?? default);
        }

        var changes = partition.Changes.ToList();
        partition.MarkCommitted();
        await UpdateIndexAsync(summary, cancellationToken).ConfigureAwait(false);
        await NotifyAsync(changes, cancellationToken).ConfigureAwait(false);
    }

    private async Task NotifyAsync(IReadOnlyList<ImageChange> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            return;
        }

        foreach (var observer in _observers)
        {
            await observer.OnChangedAsync(changes, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ImagePartition> LoadForAsync(IReadOnlyList<ImageCommand> commands, CancellationToken cancellationToken)
    {
        var first = commands[0];
        if (first is DeleteRepository)
        {
            return await LoadAsync(first.Repository, cancellationToken).ConfigureAwait(false);
        }

        var table = await _tables.GetTableAsync(TableNames.Images, cancellationToken).ConfigureAwait(false);
        var partitionKey = ImageRows.PartitionKey(first.Repository);
        string filter;
        if (first is DeleteDigest delete)
        {
            filter = TableClient.CreateQueryFilter(
                $"PartitionKey eq {partitionKey} and (RowKey eq {ImageRows.SummaryKey} or RowKey eq {ImageRows.ManifestKey(delete.Digest)} or (RowKey ge {ImageRows.TagPrefix} and RowKey lt {ImageRows.TagRangeEnd} and Digest eq {delete.Digest}))");
        }
        else
        {
            var keys = new SortedSet<string>(StringComparer.Ordinal) { ImageRows.SummaryKey };
            foreach (var command in commands)
            {
                var (tag, digest) = KeysOf(command);
                if (tag is not null)
                {
                    keys.Add(ImageRows.TagKey(tag));
                }

                if (digest is not null)
                {
                    keys.Add(ImageRows.ManifestKey(digest));
                }
            }

            filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}") + " and ("
                + string.Join(" or ", keys.Select(key => TableClient.CreateQueryFilter($"RowKey eq {key}"))) + ")";
        }

        var partition = await ReadPartitionAsync(table, first.Repository, filter, cancellationToken).ConfigureAwait(false);
        foreach (var command in commands)
        {
            MarkAbsentRows(partition, command);
        }

        foreach (var digest in commands.SelectMany(partition.MissingManifestsFor).Distinct(StringComparer.Ordinal).ToList())
        {
            var row = await table.FindAsync(partitionKey, ImageRows.ManifestKey(digest), cancellationToken).ConfigureAwait(false);
            partition.LoadManifest(digest, row is null ? null : ImageRows.ToManifest(row));
        }

        return partition;
    }

    private static (string? Tag, string? Digest) KeysOf(ImageCommand command) => command switch
    {
        PushManifest push => (push.Tag, push.Digest),
        DeleteTag delete => (delete.Tag, null),
        DeleteDigest delete => (null, delete.Digest),
        _ => (null, null),
    };

    private static void MarkAbsentRows(ImagePartition partition, ImageCommand command)
    {
        var (tag, digest) = KeysOf(command);

        if (tag is not null && !partition.HasTag(tag))
        {
            partition.LoadTag(tag, null);
        }

        if (digest is not null && !partition.HasManifest(digest))
        {
            partition.LoadManifest(digest, null);
        }
    }

    private static async Task<ImagePartition> ReadPartitionAsync(
        TableClient table,
        string repository,
        string filter,
        CancellationToken cancellationToken)
    {
        RepositorySummary? summary = null;
        var rows = new List<TableEntity>();
        await foreach (var entity in table.QueryRowsAsync(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (entity.RowKey == ImageRows.SummaryKey)
            {
                summary = ImageRows.ToSummary(entity);
            }
            else
            {
                rows.Add(entity);
            }
        }

        var partition = new ImagePartition(summary ?? new RepositorySummary { Name = repository });
        foreach (var row in rows)
        {
            ImageRows.LoadInto(partition, row);
        }

        return partition;
    }

    private async Task UpdateIndexAsync(RepositorySummary summary, CancellationToken cancellationToken)
    {
        if (summary.ETag is null)
        {
            return;
        }

        var table = await _tables.GetTableAsync(TableNames.Repositories, cancellationToken).ConfigureAwait(false);
        var partitionKey = ImageRows.IndexPartitionKey(summary.Name);
        var rowKey = KeyCodec.Encode(summary.Name);
        if (_indexRows.TryGetValue(summary.Name, out var known))
        {
            // The index row's sequence only grows, so one seen at or past this summary's is current enough.
            if (known.Sequence >= summary.Sequence)
            {
                return;
            }

            // Written on the ETag this store saw last: no read unless another writer changed the row since.
            try
            {
                var response = await table.UpdateEntityAsync(ImageRows.ToIndexEntity(summary), known.ETag, TableUpdateMode.Replace, cancellationToken)
                    .ConfigureAwait(false);
                RememberIndexRow(summary.Name, summary.Sequence, response.Headers.ETag);
                return;
            }
            catch (RequestFailedException exception)
                when (StorageFailure.IsPreconditionFailed(exception) || StorageFailure.IsNotFound(exception))
            {
                _indexRows.TryRemove(summary.Name, out _);
            }
            catch (RequestFailedException exception) when (StorageFailure.IsTransient(exception))
            {
                throw StorageFailure.Wrap(exception, $"update index of repository {summary.Name}");
            }
        }

        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var current = await table.FindAsync(partitionKey, rowKey, cancellationToken).ConfigureAwait(false);
            var currentSequence = current?.GetInt64("Sequence") ?? 0;
            if (current is not null && currentSequence >= summary.Sequence)
            {
                RememberIndexRow(summary.Name, currentSequence, current.ETag);
                return;
            }

            try
            {
                var entity = ImageRows.ToIndexEntity(summary);
                var response = current is null
                    ? await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false)
                    : await table.UpdateEntityAsync(entity, current.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                RememberIndexRow(summary.Name, summary.Sequence, response.Headers.ETag);
                return;
            }
            catch (RequestFailedException exception)
                when (StorageFailure.IsPreconditionFailed(exception) || StorageFailure.IsConflict(exception))
            {
                LogConcurrentWrite(summary.Name, attempt);
            }
            catch (RequestFailedException exception) when (StorageFailure.IsTransient(exception))
            {
                throw StorageFailure.Wrap(exception, $"update index of repository {summary.Name}");
            }
        }
    }

    private void RememberIndexRow(string repository, long sequence, ETag? etag)
    {
        if (etag is not { } known)
        {
            _indexRows.TryRemove(repository, out _);
            return;
        }

        if (_indexRows.Count >= MaxRememberedIndexRows)
        {
            _indexRows.Clear();
        }

        _indexRows[repository] = (sequence, known);
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Concurrent write to repository {Repository}; attempt {Attempt} is retried")]
    private partial void LogConcurrentWrite(string repository, int attempt);
}
