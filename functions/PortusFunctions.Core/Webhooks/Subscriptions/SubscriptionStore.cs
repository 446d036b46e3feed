using PortusFunctions.Scanning;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using PortusFunctions.Storage;

namespace PortusFunctions.Webhooks.Subscriptions;

/// <summary>The stored subscriptions.</summary>
public interface ISubscriptionStore
{
    /// <summary>Stores a new subscription.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    Task AddAsync(Subscription subscription, CancellationToken cancellationToken);

    /// <summary>Returns a subscription, or null when none has that id.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    Task<Subscription?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Returns every subscription, active or disabled, in order of their ids.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    Task<IReadOnlyList<Subscription>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Returns every subscription as listed at most <see cref="SubscriptionStore.ListingLifetime"/> ago, and at
    /// once after a write through this store: for matching changes, which happens on every commit.
    /// </summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    Task<IReadOnlyList<Subscription>> ListRecentAsync(CancellationToken cancellationToken);

    /// <summary>Deletes a subscription; returns false when none has that id.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken);

    /// <summary>Marks a subscription disabled with a reason; returns false when none has that id.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    Task<bool> DisableAsync(string id, string reason, DateTimeOffset at, CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="ISubscriptionStore"/> on the <c>Subscriptions</c> table: partition key <c>subscription</c>, row key =
/// subscription id, so listing is one partition query.
/// </summary>
/// <remarks>
/// The secret and header values are stored as they are, protected by the storage account's encryption at rest and
/// its access control. The API never returns them.
/// </remarks>
public sealed class SubscriptionStore : ISubscriptionStore
{
    /// <summary>Partition key of every subscription row.</summary>
    public const string PartitionKey = "subscription";

    /// <summary>
    /// How long <see cref="ListRecentAsync"/> reuses a listing, which saves one query per commit under load.
    /// Writes through this store drop the listing at once. Writes by another instance are seen within this time.
    /// </summary>
    public static readonly TimeSpan ListingLifetime = TimeSpan.FromSeconds(2);

    private readonly TableStore _tables;
    private readonly TimeProvider _clock;
    private volatile Listing? _listing;
    private long _writes;

    /// <summary>Creates the store.</summary>
    public SubscriptionStore(TableStore tables, TimeProvider clock)
    {
        _tables = tables;
        _clock = clock;
    }

    /// <inheritdoc/>
    public async Task AddAsync(Subscription subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);

        var table = await _tables.GetTableAsync(TableNames.Subscriptions, cancellationToken).ConfigureAwait(false);
        try
        {
            Forget();
            await table.AddEntityAsync(ToEntity(subscription), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException exception) when (StorageFailure.IsTransient(exception))
        {
            throw StorageFailure.Wrap(exception, $"add subscription {subscription.Id}");
        }
        finally
        {
            Forget();
        }
    }

    /// <inheritdoc/>
    public async Task<Subscription?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var table = await _tables.GetTableAsync(TableNames.Subscriptions, cancellationToken).ConfigureAwait(false);
        var row = await table.FindAsync(PartitionKey, id, cancellationToken).ConfigureAwait(false);
        return row is null ? null : FromEntity(row);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<Subscription>> ListRecentAsync(CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        if (_listing is { } listing && now - listing.ReadAt < ListingLifetime && now >= listing.ReadAt)
        {
            return listing.Subscriptions;
        }

        return await ListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<Subscription>> ListAsync(CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var writes = Interlocked.Read(ref _writes);
        var table = await _tables.GetTableAsync(TableNames.Subscriptions, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKey}");
        var subscriptions = new List<Subscription>();
        await foreach (var row in table.QueryRowsAsync(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            subscriptions.Add(FromEntity(row));
        }

        // A listing read while this store wrote may miss the write, so it is not kept.
        if (Interlocked.Read(ref _writes) == writes)
        {
            _listing = new Listing(now, subscriptions);
        }

        return subscriptions;
    }

    /// <inheritdoc/>
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        var table = await _tables.GetTableAsync(TableNames.Subscriptions, cancellationToken).ConfigureAwait(false);
        try
        {
            Forget();
            var response = await table.DeleteEntityAsync(PartitionKey, id, ETag.All, cancellationToken).ConfigureAwait(false);
            return response.Status != 404;
        }
        catch (RequestFailedException exception) when (StorageFailure.IsNotFound(exception) && !StorageFailure.IsTableNotFound(exception))
        {
            return false;
        }
        catch (RequestFailedException exception) when (StorageFailure.IsTransient(exception))
        {
            throw StorageFailure.Wrap(exception, $"delete subscription {id}");
        }
        finally
        {
            Forget();
        }
    }

    /// <inheritdoc/>
    public async Task<bool> DisableAsync(string id, string reason, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var table = await _tables.GetTableAsync(TableNames.Subscriptions, cancellationToken).ConfigureAwait(false);
        var change = new TableEntity(PartitionKey, id)
        {
            ["Status"] = SubscriptionStatus.Disabled,
            ["DisabledAt"] = at,
            ["DisabledReason"] = reason,
        };
        try
        {
            Forget();

            // A merge guarded by "any ETag" changes only these columns and fails with 404 when the row is gone.
            await table.UpdateEntityAsync(change, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException exception) when (StorageFailure.IsNotFound(exception) && !StorageFailure.IsTableNotFound(exception))
        {
            return false;
        }
        catch (RequestFailedException exception) when (StorageFailure.IsTransient(exception))
        {
            throw StorageFailure.Wrap(exception, $"disable subscription {id}");
        }
        finally
        {
            Forget();
        }
    }

    private static TableEntity ToEntity(Subscription subscription) => new(PartitionKey, subscription.Id)
    {
        ["Url"] = subscription.Url.AbsoluteUri,
        ["Repositories"] = JsonSerializer.Serialize(subscription.Filter.Patterns, SubscriptionJson.Default.IReadOnlyListString),
        ["Namespace"] = subscription.Filter.Namespace,
        ["Events"] = string.Join(',', subscription.Events),
        ["MinimumSeverity"] = subscription.MinimumSeverity is { } minimum ? MinimumSeverities.Format(minimum) : null,
        ["Format"] = subscription.Format == PayloadFormat.CloudEvents ? "cloudevents" : "json",
        ["Headers"] = JsonSerializer.Serialize(subscription.Headers, SubscriptionJson.Default.IReadOnlyDictionaryStringString),
        ["Secret"] = subscription.Secret,
        ["Description"] = subscription.Description,
        ["Status"] = subscription.Status,
        ["CreatedAt"] = subscription.CreatedAt,
        ["DisabledAt"] = subscription.DisabledAt,
        ["DisabledReason"] = subscription.DisabledReason,
    };

    private static Subscription FromEntity(TableEntity row)
    {
        var patterns = row.GetString("Repositories") is { Length: > 0 } json
            ? JsonSerializer.Deserialize(json, SubscriptionJson.Default.IReadOnlyListString) ?? []
            : [];
        var headers = row.GetString("Headers") is { Length: > 0 } headerJson
            ? JsonSerializer.Deserialize(headerJson, SubscriptionJson.Default.IReadOnlyDictionaryStringString) ?? new Dictionary<string, string>()
            : new Dictionary<string, string>();
        VulnerabilitySeverity? minimum = MinimumSeverities.TryParse(row.GetString("MinimumSeverity"), out var parsed) ? parsed : null;
        return new Subscription
        {
            Id = row.RowKey,
            Url = new Uri(row.GetString("Url") ?? throw new InvalidDataException($"Subscription row {row.RowKey} has no Url.")),
            Filter = new RepositoryFilter(patterns, row.GetString("Namespace")),
            Events = (row.GetString("Events") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries),
            MinimumSeverity = minimum,
            Format = row.GetString("Format") == "cloudevents" ? PayloadFormat.CloudEvents : PayloadFormat.Json,
            Headers = headers,
            Secret = row.GetString("Secret"),
            Description = row.GetString("Description"),
            Status = row.GetString("Status") ?? SubscriptionStatus.Active,
            CreatedAt = row.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
            DisabledAt = row.GetDateTimeOffset("DisabledAt"),
            DisabledReason = row.GetString("DisabledReason"),
        };
    }

    /// <summary>Drops the listing, and keeps a listing that is being read from being kept.</summary>
    private void Forget()
    {
        Interlocked.Increment(ref _writes);
        _listing = null;
    }

    private sealed record Listing(DateTimeOffset ReadAt, IReadOnlyList<Subscription> Subscriptions);
}
