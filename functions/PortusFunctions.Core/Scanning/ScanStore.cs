using Azure;
using Azure.Data.Tables;
using PortusFunctions.Storage;

namespace PortusFunctions.Scanning;

/// <summary><see cref="IScanStore"/> on Azure Table Storage; see <see cref="ScanRows"/> for the layout.</summary>
public sealed class ScanStore : IScanStore
{
    private const int MaxParallelReads = 16;

    private readonly TableStore _tables;
    private readonly TableBatchWriter _writer;

    /// <summary>Creates the store.</summary>
    public ScanStore(TableStore tables, TableBatchWriter writer)
    {
        _tables = tables;
        _writer = writer;
    }

    /// <inheritdoc/>
    public async Task<ScanStatusRecord?> GetAsync(string digest, CancellationToken cancellationToken)
    {
        var table = await StatusTableAsync(cancellationToken).ConfigureAwait(false);
        var entity = await table.FindAsync(ScanRows.StatusPartitionKey(digest), ScanRows.StatusRowKey, cancellationToken)
            .ConfigureAwait(false);
        return entity is null ? null : ScanRows.ToRecord(entity);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, ScanStatusRecord>> GetManyAsync(
        IEnumerable<string> digests,
        CancellationToken cancellationToken)
    {
        var found = new System.Collections.Concurrent.ConcurrentDictionary<string, ScanStatusRecord>(StringComparer.Ordinal);
        var distinct = digests.Distinct(StringComparer.Ordinal).ToList();
        await Parallel.ForEachAsync(
            distinct,
            new ParallelOptions { MaxDegreeOfParallelism = MaxParallelReads, CancellationToken = cancellationToken },
            async (digest, token) =>
            {
                if (await GetAsync(digest, token).ConfigureAwait(false) is { } record)
                {
                    found[digest] = record;
                }
            }).ConfigureAwait(false);
        return found;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ScanStatusRecord>> ListAsync(CancellationToken cancellationToken)
    {
        var table = await StatusTableAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"RowKey eq {ScanRows.StatusRowKey}");
        var records = new List<ScanStatusRecord>();
        await foreach (var entity in table.QueryRowsAsync(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            records.Add(ScanRows.ToRecord(entity));
        }

        return records;
    }

    /// <inheritdoc/>
    public async Task<bool> TryAddAsync(ScanStatusRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);

        var table = await StatusTableAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await table.AddEntityAsync(ScanRows.ToEntity(record), cancellationToken).ConfigureAwait(false);
            record.ETag = response.Headers.ETag;
            return true;
        }
        catch (RequestFailedException exception) when (StorageFailure.IsConflict(exception))
        {
            return false;
        }
        catch (RequestFailedException exception) when (StorageFailure.IsTransient(exception))
        {
            throw StorageFailure.Wrap(exception, $"add the scan status of {record.Digest}");
        }
    }

    /// <inheritdoc/>
    public async Task<ScanStatusRecord?> TryReplaceAsync(ScanStatusRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.ETag is not { } etag)
        {
            throw new ArgumentException($"The scan status of {record.Digest} has no ETag: read it before replacing it.", nameof(record));
        }

        var table = await StatusTableAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await table.UpdateEntityAsync(ScanRows.ToEntity(record), etag, TableUpdateMode.Replace, cancellationToken)
                .ConfigureAwait(false);
            var stored = record.Copy();
            stored.ETag = response.Headers.ETag;
            return stored;
        }
        catch (RequestFailedException exception) when (StorageFailure.IsPreconditionFailed(exception) || StorageFailure.IsNotFound(exception))
        {
            return null;
        }
        catch (RequestFailedException exception) when (StorageFailure.IsTransient(exception))
        {
            throw StorageFailure.Wrap(exception, $"update the scan status of {record.Digest}");
        }
    }

    /// <inheritdoc/>
    public async Task WriteFindingsAsync(
        string digest,
        string generation,
        IReadOnlyList<Finding> findings,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(findings);

        var table = await FindingsTableAsync(cancellationToken).ConfigureAwait(false);
        var actions = findings.Select((finding, position) => new TableTransactionAction(
            TableTransactionActionType.UpsertReplace,
            ScanRows.ToEntity(digest, generation, position, finding)));
        await _writer.WriteAsync(table, actions, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<Finding>> ReadFindingsAsync(string digest, string generation, CancellationToken cancellationToken)
    {
        var table = await FindingsTableAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {ScanRows.FindingsPartitionKey(digest, generation)}");
        var findings = new List<Finding>();
        await foreach (var entity in table.QueryRowsAsync(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            findings.Add(ScanRows.ToFinding(entity));
        }

        return findings;
    }

    /// <inheritdoc/>
    public async Task DeleteFindingsAsync(string digest, string generation, CancellationToken cancellationToken)
    {
        var table = await FindingsTableAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {ScanRows.FindingsPartitionKey(digest, generation)}");

        // A concurrent delete of the same generation makes a transaction fail with 404; reading again finds only
        // the rows still left.
        for (var attempt = 1; ; attempt++)
        {
            var keys = new List<TableEntity>();
            await foreach (var entity in table.QueryRowsAsync(filter, ["PartitionKey", "RowKey"], cancellationToken).ConfigureAwait(false))
            {
                keys.Add(new TableEntity(entity.PartitionKey, entity.RowKey) { ETag = ETag.All });
            }

            if (keys.Count == 0)
            {
                return;
            }

            try
            {
                var actions = keys.Select(key => new TableTransactionAction(TableTransactionActionType.Delete, key, ETag.All));
                await _writer.WriteAsync(table, actions, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException exception) when (StorageFailure.IsNotFound(exception) && attempt < 3)
            {
                continue;
            }
        }
    }

    private ValueTask<TableClient> StatusTableAsync(CancellationToken cancellationToken) =>
        _tables.GetTableAsync(TableNames.ScanStatus, cancellationToken);

    private ValueTask<TableClient> FindingsTableAsync(CancellationToken cancellationToken) =>
        _tables.GetTableAsync(TableNames.ScanFindings, cancellationToken);
}
