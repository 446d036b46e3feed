using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using PortusFunctions.Images;
using PortusFunctions.Storage;

namespace PortusFunctions.Sync;

/// <summary>
/// The <see cref="TableNames.SyncPending"/> table: per pass (partition key = pass id), the deletes the pass proved
/// and the repositories it could not read and tries again at its end.
/// </summary>
/// <remarks>
/// Delete rows have the row key <c>d|REPOSITORY|KIND|ITEM</c> with the repository encoded by
/// <see cref="KeyCodec"/> and KIND <c>t</c> (tag), <c>m</c> (manifest digest) or <c>r</c> (the repository), so the
/// rows of one repository are adjacent. Retry rows have the row key <c>r|REPOSITORY</c>.
/// </remarks>
public class SyncPendingStore
{
    private const string DeletePrefix = "d|";
    private const string DeleteRangeEnd = "d}";
    private const string RetryPrefix = "r|";
    private const string RetryRangeEnd = "r}";

    private readonly TableStore _tables;
    private readonly TableBatchWriter _writer;

    /// <summary>Creates the store.</summary>
    public SyncPendingStore(TableStore tables, TableBatchWriter writer)
    {
        _tables = tables;
        _writer = writer;
    }

    /// <summary>Stores deletes of a pass; storing the same delete again replaces it.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    public virtual async Task AddDeletesAsync(string passId, IReadOnlyCollection<PendingDelete> deletes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deletes);
        if (deletes.Count == 0)
        {
            return;
        }

        var table = await _tables.GetTableAsync(TableNames.SyncPending, cancellationToken).ConfigureAwait(false);
        var actions = deletes.Select(delete => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToEntity(passId, delete)));
        await _writer.WriteAsync(table, actions, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records that the pass could not read <paramref name="repository"/> and reads it again at its end.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    public virtual async Task AddRetryAsync(string passId, string repository, CancellationToken cancellationToken)
    {
        var table = await _tables.GetTableAsync(TableNames.SyncPending, cancellationToken).ConfigureAwait(false);
        var row = new TableEntity(passId, RetryPrefix + KeyCodec.Encode(repository)) { ["Repository"] = repository };
        await _writer.WriteAsync(table, [new TableTransactionAction(TableTransactionActionType.UpsertReplace, row)], cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Streams the repositories the pass reads again, in catalog order.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    public virtual async IAsyncEnumerable<string> ReadRetriesAsync(string passId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await _tables.GetTableAsync(TableNames.SyncPending, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {passId} and RowKey ge {RetryPrefix} and RowKey lt {RetryRangeEnd}");
        await foreach (var row in table.QueryRowsAsync(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return row.GetString("Repository") ?? KeyCodec.Decode(row.RowKey[RetryPrefix.Length..]);
        }
    }

    /// <summary>Removes the retry row of <paramref name="repository"/>.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    public virtual async Task RemoveRetryAsync(string passId, string repository, CancellationToken cancellationToken)
    {
        var table = await _tables.GetTableAsync(TableNames.SyncPending, cancellationToken).ConfigureAwait(false);
        await DeleteRowsAsync(table, passId, [RetryPrefix + KeyCodec.Encode(repository)], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Streams the deletes of a pass, those of one repository adjacent, repositories in catalog order.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    public virtual async IAsyncEnumerable<PendingDelete> ReadDeletesAsync(string passId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await _tables.GetTableAsync(TableNames.SyncPending, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {passId} and RowKey ge {DeletePrefix} and RowKey lt {DeleteRangeEnd}");
        await foreach (var row in table.QueryRowsAsync(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return FromEntity(row);
        }
    }

    /// <summary>Counts the deletes of a pass by kind, with the store counts of the repositories it deletes.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    public virtual async Task<PendingDeleteCounts> CountDeletesAsync(string passId, CancellationToken cancellationToken) =>
        (await CountDeletesAsync(passId, alsoProvedBy: null, cancellationToken).ConfigureAwait(false)).All;

    /// <summary>
    /// Counts the deletes of a pass by kind, and separately those of them that pass <paramref name="alsoProvedBy"/>
    /// proved too: the same tag, manifest or repository.
    /// </summary>
    /// <remarks>
    /// The rows of the other pass are read one repository at a time, for the repositories this pass deletes from,
    /// so memory stays within the deletes of one repository.
    /// </remarks>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    public virtual async Task<(PendingDeleteCounts All, PendingDeleteCounts Shared)> CountDeletesAsync(
        string passId,
        string? alsoProvedBy,
        CancellationToken cancellationToken)
    {
        var table = await _tables.GetTableAsync(TableNames.SyncPending, cancellationToken).ConfigureAwait(false);
        var all = new DeleteTally();
        var shared = new DeleteTally();
        string? repository = null;
        IReadOnlySet<string> otherKeys = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var delete in ReadDeletesAsync(passId, cancellationToken).ConfigureAwait(false))
        {
            all.Add(delete);
            if (alsoProvedBy is null)
            {
                continue;
            }

            if (!string.Equals(delete.Repository, repository, StringComparison.Ordinal))
            {
                repository = delete.Repository;
                otherKeys = await ReadDeleteKeysAsync(table, alsoProvedBy, repository, cancellationToken).ConfigureAwait(false);
            }

            if (otherKeys.Contains(RowKey(delete)))
            {
                shared.Add(delete);
            }
        }

        return (all.ToCounts(), shared.ToCounts());
    }

    /// <summary>Removes the rows of deletes that were applied.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    public virtual async Task RemoveDeletesAsync(string passId, IEnumerable<PendingDelete> deletes, CancellationToken cancellationToken)
    {
        var table = await _tables.GetTableAsync(TableNames.SyncPending, cancellationToken).ConfigureAwait(false);
        await DeleteRowsAsync(table, passId, deletes.Select(RowKey), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes every row of a pass.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    public virtual async Task DeletePassAsync(string passId, CancellationToken cancellationToken)
    {
        var table = await _tables.GetTableAsync(TableNames.SyncPending, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {passId}");
        var keys = new List<string>();
        await foreach (var row in table.QueryRowsAsync(filter, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            keys.Add(row.RowKey);
            if (keys.Count == TableBatchWriter.MaxActionsPerTransaction)
            {
                await DeleteRowsAsync(table, passId, keys, cancellationToken).ConfigureAwait(false);
                keys.Clear();
            }
        }

        await DeleteRowsAsync(table, passId, keys, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns the row key of a delete.</summary>
    internal static string RowKey(PendingDelete delete)
    {
        ArgumentNullException.ThrowIfNull(delete);

        var kind = delete.Kind switch
        {
            PendingDeleteKind.Tag => 't',
            PendingDeleteKind.Manifest => 'm',
            _ => 'r',
        };
        return $"{DeletePrefix}{KeyCodec.Encode(delete.Repository)}|{kind}|{KeyCodec.Encode(delete.Item ?? "")}";
    }

    private static TableEntity ToEntity(string passId, PendingDelete delete) => new(passId, RowKey(delete))
    {
        ["Repository"] = delete.Repository,
        ["Kind"] = delete.Kind.ToString(),
        ["Item"] = delete.Item,
        ["VersionTicks"] = delete.Version.Ticks,
        ["VersionSource"] = delete.Version.Source,
        ["TagCount"] = delete.TagCount,
        ["ManifestCount"] = delete.ManifestCount,
    };

    private static PendingDelete FromEntity(TableEntity row) => new(
        row.GetString("Repository") ?? "",
        Enum.TryParse<PendingDeleteKind>(row.GetString("Kind"), out var kind) ? kind : PendingDeleteKind.Repository,
        row.GetString("Item"),
        new ChangeVersion(row.GetInt64("VersionTicks") ?? 0, row.GetString("VersionSource") ?? ""),
        row.GetInt64("TagCount") ?? 0,
        row.GetInt64("ManifestCount") ?? 0);

    /// <summary>Returns the row keys of the deletes that a pass stored for one repository.</summary>
    private static async Task<IReadOnlySet<string>> ReadDeleteKeysAsync(
        TableClient table,
        string passId,
        string repository,
        CancellationToken cancellationToken)
    {
        // Repository names never contain '|', so the range from "d|NAME|" to "d|NAME}" contains exactly its rows.
        var prefix = DeletePrefix + KeyCodec.Encode(repository);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {passId} and RowKey ge {prefix + "|"} and RowKey lt {prefix + "}"}");
        var keys = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in table.QueryRowsAsync(filter, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            keys.Add(row.RowKey);
        }

        return keys;
    }

    private static async Task DeleteRowsAsync(TableClient table, string passId, IEnumerable<string> rowKeys, CancellationToken cancellationToken)
    {
        foreach (var chunk in rowKeys.Distinct(StringComparer.Ordinal).Chunk(TableBatchWriter.MaxActionsPerTransaction))
        {
            var actions = chunk.Select(key => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(passId, key), ETag.All));
            try
            {
                await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException exception) when (StorageFailure.IsNotFound(exception) || exception is TableTransactionFailedException)
            {
                // A row in the chunk is gone already; delete the others one by one, a missing row being no error.
                foreach (var key in chunk)
                {
                    await DeleteOneAsync(table, passId, key, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (RequestFailedException exception) when (StorageFailure.IsTransient(exception))
            {
                throw StorageFailure.Wrap(exception, $"delete rows of pass {passId} in table {table.Name}");
            }
        }
    }

    private static async Task DeleteOneAsync(TableClient table, string passId, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            await table.DeleteEntityAsync(passId, rowKey, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException exception) when (StorageFailure.IsNotFound(exception))
        {
            // Already deleted.
        }
        catch (RequestFailedException exception) when (StorageFailure.IsTransient(exception))
        {
            throw StorageFailure.Wrap(exception, $"delete row {rowKey} of pass {passId} in table {table.Name}");
        }
    }
}

/// <summary>What a pending delete removes.</summary>
public enum PendingDeleteKind
{
    /// <summary>A tag the registry no longer lists.</summary>
    Tag,

    /// <summary>A manifest the registry returns 404 for.</summary>
    Manifest,

    /// <summary>A repository the catalog no longer lists.</summary>
    Repository,
}

/// <summary>A delete a pass proved, applied when the pass ends and the guard lets it.</summary>
/// <param name="Repository">Repository name.</param>
/// <param name="Kind">What is deleted.</param>
/// <param name="Item">The tag or the digest; null for a repository.</param>
/// <param name="Version">Version of the delete: the registry's time of the read that proved it, minus the settle margin.</param>
/// <param name="TagCount">For a repository, its visible tags in the store when the delete was proved.</param>
/// <param name="ManifestCount">For a repository, its visible manifests in the store when the delete was proved.</param>
public sealed record PendingDelete(
    string Repository,
    PendingDeleteKind Kind,
    string? Item,
    ChangeVersion Version,
    long TagCount = 0,
    long ManifestCount = 0)
{
    /// <summary>Returns the store command of this delete.</summary>
    public ImageCommand ToCommand() => Kind switch
    {
        PendingDeleteKind.Tag => new DeleteTag(Repository, Version, Item!),
        PendingDeleteKind.Manifest => new DeleteDigest(Repository, Version, Item!),
        _ => new DeleteRepository(Repository, Version),
    };
}

/// <summary>Sums of deletes by kind, while a pass's rows are read.</summary>
internal sealed class DeleteTally
{
    private long _tags;
    private long _manifests;
    private long _repositories;
    private long _tagsInRepositories;
    private long _manifestsInRepositories;

    /// <summary>Counts one delete.</summary>
    public void Add(PendingDelete delete)
    {
        switch (delete.Kind)
        {
            case PendingDeleteKind.Tag:
                _tags++;
                break;
            case PendingDeleteKind.Manifest:
                _manifests++;
                break;
            default:
                _repositories++;
                _tagsInRepositories += delete.TagCount;
                _manifestsInRepositories += delete.ManifestCount;
                break;
        }
    }

    /// <summary>Returns the sums.</summary>
    public PendingDeleteCounts ToCounts() => new(_tags, _manifests, _repositories, _tagsInRepositories, _manifestsInRepositories);
}

/// <summary>Deletes of a pass by kind.</summary>
/// <param name="Tags">Tag deletes.</param>
/// <param name="Manifests">Manifest deletes.</param>
/// <param name="Repositories">Repository deletes.</param>
/// <param name="TagsInRepositories">Visible tags of the repositories deleted.</param>
/// <param name="ManifestsInRepositories">Visible manifests of the repositories deleted.</param>
public sealed record PendingDeleteCounts(long Tags, long Manifests, long Repositories, long TagsInRepositories, long ManifestsInRepositories)
{
    /// <summary>Number of delete rows.</summary>
    public long Total => Tags + Manifests + Repositories;

    /// <summary>Returns these counts less <paramref name="part"/>, a subset of the same deletes.</summary>
    public PendingDeleteCounts Without(PendingDeleteCounts part)
    {
        ArgumentNullException.ThrowIfNull(part);

        return new PendingDeleteCounts(
            Tags - part.Tags,
            Manifests - part.Manifests,
            Repositories - part.Repositories,
            TagsInRepositories - part.TagsInRepositories,
            ManifestsInRepositories - part.ManifestsInRepositories);
    }
}
