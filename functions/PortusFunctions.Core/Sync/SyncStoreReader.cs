using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using PortusFunctions.Images;
using PortusFunctions.Storage;

namespace PortusFunctions.Sync;

/// <summary>Reads of the image store that the sync needs beyond <see cref="IImageStore"/>: ranges in catalog order, and totals.</summary>
public class SyncStoreReader
{
    private readonly TableStore _tables;

    /// <summary>Creates the reader.</summary>
    public SyncStoreReader(TableStore tables)
    {
        _tables = tables;
    }

    /// <summary>
    /// Streams the repositories that hold a visible tag or manifest and whose names fall after
    /// <paramref name="after"/> and up to <paramref name="upTo"/> in catalog order; null bounds are open.
    /// </summary>
    /// <remarks>
    /// The summary rows of the <see cref="TableNames.Images"/> table come back in the order of their encoded partition
    /// keys, which for valid repository names is the catalog order (see <see cref="Registry.CatalogOrder"/>), so a range
    /// of the catalog is a range of partition keys.
    /// </remarks>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    public virtual async IAsyncEnumerable<RepositoryListing> ListRangeAsync(
        string? after,
        string? upTo,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await _tables.GetTableAsync(TableNames.Images, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"RowKey eq {ImageRows.SummaryKey}");
        if (after is not null)
        {
            filter += " and " + TableClient.CreateQueryFilter($"PartitionKey gt {ImageRows.PartitionKey(after)}");
        }

        if (upTo is not null)
        {
            filter += " and " + TableClient.CreateQueryFilter($"PartitionKey le {ImageRows.PartitionKey(upTo)}");
        }

        var select = new[] { "PartitionKey", "RowKey", "Name", "TagCount", "ManifestCount" };
        await foreach (var row in table.QueryRowsAsync(filter, select, cancellationToken).ConfigureAwait(false))
        {
            var tags = row.GetInt32("TagCount") ?? 0;
            var manifests = row.GetInt32("ManifestCount") ?? 0;
            if (tags > 0 || manifests > 0)
            {
                var name = row.GetString("Name") ?? KeyCodec.Decode(row.PartitionKey);
                yield return new RepositoryListing(name, Registry.ReferenceRules.NamespaceOf(name), tags, manifests);
            }
        }
    }

    /// <summary>Counts the visible tags, manifests and repositories of the store, from the repository index.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    public virtual async Task<StoreTotals> TotalsAsync(CancellationToken cancellationToken)
    {
        var table = await _tables.GetTableAsync(TableNames.Repositories, cancellationToken).ConfigureAwait(false);
        long tags = 0, manifests = 0, repositories = 0;
        var select = new[] { "PartitionKey", "RowKey", "TagCount", "ManifestCount" };
        await foreach (var row in table.QueryRowsAsync(filter: null, select, cancellationToken).ConfigureAwait(false))
        {
            var rowTags = row.GetInt32("TagCount") ?? 0;
            var rowManifests = row.GetInt32("ManifestCount") ?? 0;
            if (rowTags > 0 || rowManifests > 0)
            {
                tags += rowTags;
                manifests += rowManifests;
                repositories++;
            }
        }

        return new StoreTotals(tags, manifests, repositories);
    }
}

/// <summary>Visible content of the store.</summary>
/// <param name="Tags">Visible tags.</param>
/// <param name="Manifests">Visible manifests, tagged or not.</param>
/// <param name="Repositories">Repositories with a visible tag or manifest.</param>
public sealed record StoreTotals(long Tags, long Manifests, long Repositories);
