using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;

namespace PortusFunctions.Storage;

/// <summary>Reads that turn transient failures into <see cref="StorageUnavailableException"/>.</summary>
public static class TableClientExtensions
{
    /// <summary>Returns the row with the given keys, or null when it does not exist.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    public static async Task<TableEntity?> FindAsync(
        this TableClient table,
        string partitionKey,
        string rowKey,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);

        try
        {
            var response = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            return response.HasValue ? response.Value : null;
        }
        catch (RequestFailedException exception) when (StorageFailure.IsTableNotFound(exception))
        {
            return null;
        }
        catch (RequestFailedException exception) when (StorageFailure.IsTransient(exception))
        {
            throw StorageFailure.Wrap(exception, $"read row {rowKey} of table {table.Name}");
        }
    }

    /// <summary>Streams the rows that match <paramref name="filter"/>, page by page; none when the table does not exist.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    public static async IAsyncEnumerable<TableEntity> QueryRowsAsync(
        this TableClient table,
        string? filter,
        IEnumerable<string>? select = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);

        var enumerator = table.QueryAsync<TableEntity>(filter, select: select, cancellationToken: cancellationToken)
            .GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                bool moved;
                try
                {
                    moved = await enumerator.MoveNextAsync().ConfigureAwait(false);
                }
                catch (RequestFailedException exception) when (StorageFailure.IsTableNotFound(exception))
                {
                    yield break;
                }
                catch (RequestFailedException exception) when (StorageFailure.IsTransient(exception))
                {
                    throw StorageFailure.Wrap(exception, $"query table {table.Name}");
                }

                if (!moved)
                {
                    yield break;
                }

                yield return enumerator.Current;
            }
        }
        finally
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }
}
