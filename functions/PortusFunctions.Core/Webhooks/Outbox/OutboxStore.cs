using System.Globalization;
using Azure;
using Azure.Data.Tables;
using PortusFunctions.Storage;

namespace PortusFunctions.Webhooks.Outbox;

/// <summary>The outbox: one row per delivery of an event to a subscription.</summary>
public interface IOutboxStore
{
    /// <summary>Stores a new delivery; returns false when a row with its keys exists, so creation is idempotent.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    Task<bool> TryAddAsync(DeliveryRecord delivery, CancellationToken cancellationToken);

    /// <summary>Returns up to <paramref name="max"/> pending deliveries of a subscription, in row key order.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    Task<IReadOnlyList<DeliveryRecord>> ReadPendingAsync(string subscriptionId, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Claims the next attempt of <paramref name="delivery"/> for <paramref name="owner"/> until
    /// <paramref name="until"/> and counts it. Returns false, leaving the row alone, when the row changed since it
    /// was read, because another worker claimed it first.
    /// </summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    Task<bool> TryClaimAsync(DeliveryRecord delivery, string owner, DateTimeOffset until, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Writes the outcome of an attempt; returns false when the claim was lost and another worker took over.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    Task<bool> TrySaveAsync(DeliveryRecord delivery, CancellationToken cancellationToken);

    /// <summary>Returns the last <paramref name="limit"/> deliveries of a subscription in change order, newest first, without bodies.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    Task<IReadOnlyList<DeliveryRecord>> ListRecentAsync(string subscriptionId, int limit, CancellationToken cancellationToken);

    /// <summary>Deletes every delivery of a subscription; returns how many rows were deleted.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    Task<int> DeleteSubscriptionAsync(string subscriptionId, CancellationToken cancellationToken);

    /// <summary>Deletes every delivery created before <paramref name="cutoff"/>, whatever its status.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    Task<int> DeleteCreatedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="IOutboxStore"/> on the <c>Outbox</c> table: partition key = subscription id, row key =
/// <c>TICKS|SOURCE|RANK|EVENTID</c>.
/// </summary>
/// <remarks>
/// <c>TICKS</c> is the change's time in 100 ns ticks (19 digits) and <c>SOURCE</c> its source id (an event id,
/// <c>sync:RUN</c> or <c>scan:ID</c>), encoded with <see cref="KeyCodec"/> and cut to 200 characters, so a partition
/// sorts in the order of the changes. <c>RANK</c> puts tag events before the repository delete of the same change,
/// and <c>EVENTID</c> is the hash of the change's identity. The same change reported again maps to the same row,
/// and inserting it again gets 409, which counts as "already created".
/// </remarks>
public sealed class OutboxStore : IOutboxStore
{
    private const int MaxSourceLength = 200;

    private static readonly string[] ListColumns =
    [
        "PartitionKey", "RowKey", "DeliveryId", "EventId", "EventType", "Repository", "Subject", "ChangeTime", "CreatedAt",
        "ContentType", "Status", "Attempts", "LastStatusCode", "LastError", "LastAttemptAt", "NextAttemptAt", "DeliveredAt",
        "ClaimedBy", "ClaimedUntil",
    ];

    private readonly TableStore _tables;
    private readonly TableBatchWriter _writer;

    /// <summary>Creates the store.</summary>
    public OutboxStore(TableStore tables, TableBatchWriter writer)
    {
        _tables = tables;
        _writer = writer;
    }

    /// <summary>Returns the row key of <paramref name="webhookEvent"/>'s deliveries.</summary>
    public static string RowKeyFor(WebhookEvent webhookEvent)
    {
        ArgumentNullException.ThrowIfNull(webhookEvent);

        var source = KeyCodec.Encode(webhookEvent.Version.Source ?? "");
        if (source.Length > MaxSourceLength)
        {
            source = source[..MaxSourceLength];
        }

        var ticks = webhookEvent.Version.Ticks.ToString("D19", CultureInfo.InvariantCulture);
        return $"{ticks}|{source}|{webhookEvent.Rank.ToString(CultureInfo.InvariantCulture)}|{webhookEvent.Id}";
    }

    /// <inheritdoc/>
    public async Task<bool> TryAddAsync(DeliveryRecord delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);

        var table = await _tables.GetTableAsync(TableNames.Outbox, cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await table.AddEntityAsync(ToEntity(delivery), cancellationToken).ConfigureAwait(false);
            delivery.ETag = response.Headers.ETag;
            return true;
        }
        catch (RequestFailedException exception) when (StorageFailure.IsConflict(exception))
        {
            return false;
        }
        catch (RequestFailedException exception) when (StorageFailure.IsTransient(exception))
        {
            throw StorageFailure.Wrap(exception, $"add delivery {delivery.DeliveryId}");
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<DeliveryRecord>> ReadPendingAsync(string subscriptionId, int max, CancellationToken cancellationToken)
    {
        var table = await _tables.GetTableAsync(TableNames.Outbox, cancellationToken).ConfigureAwait(false);

        // NOTE: the status filter is evaluated by the service over the whole partition, so a run costs time in
        // proportion to the rows kept by Outbox__Retention, not to the pending ones.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {subscriptionId} and Status eq {DeliveryStatus.Pending}");
        var pending = new List<DeliveryRecord>();
        await foreach (var row in table.QueryRowsAsync(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            pending.Add(FromEntity(row));
            if (pending.Count == max)
            {
                break;
            }
        }

        return pending;
    }

    /// <inheritdoc/>
    public async Task<bool> TryClaimAsync(
        DeliveryRecord delivery,
        string owner,
        DateTimeOffset until,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);

        delivery.Attempts++;
        delivery.ClaimedBy = owner;
        delivery.ClaimedUntil = until;
        delivery.LastAttemptAt = now;
        delivery.NextAttemptAt = null;
        return await TrySaveAsync(delivery, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<bool> TrySaveAsync(DeliveryRecord delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);

        var table = await _tables.GetTableAsync(TableNames.Outbox, cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await table.UpdateEntityAsync(ToEntity(delivery), delivery.ETag ?? default, TableUpdateMode.Replace, cancellationToken)
                .ConfigureAwait(false);
            delivery.ETag = response.Headers.ETag;
            return true;
        }
        catch (RequestFailedException exception) when (StorageFailure.IsPreconditionFailed(exception) || StorageFailure.IsNotFound(exception))
        {
            return false;
        }
        catch (RequestFailedException exception) when (StorageFailure.IsTransient(exception))
        {
            throw StorageFailure.Wrap(exception, $"update delivery {delivery.DeliveryId}");
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<DeliveryRecord>> ListRecentAsync(string subscriptionId, int limit, CancellationToken cancellationToken)
    {
        var table = await _tables.GetTableAsync(TableNames.Outbox, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {subscriptionId}");
        var recent = new Queue<DeliveryRecord>(limit + 1);
        await foreach (var row in table.QueryRowsAsync(filter, ListColumns, cancellationToken).ConfigureAwait(false))
        {
            recent.Enqueue(FromEntity(row));
            if (recent.Count > limit)
            {
                recent.Dequeue();
            }
        }

        return [.. recent.Reverse()];
    }

    /// <inheritdoc/>
    public async Task<int> DeleteSubscriptionAsync(string subscriptionId, CancellationToken cancellationToken) =>
        await DeleteMatchingAsync(TableClient.CreateQueryFilter($"PartitionKey eq {subscriptionId}"), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public async Task<int> DeleteCreatedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        await DeleteMatchingAsync(TableClient.CreateQueryFilter($"CreatedAt lt {cutoff}"), cancellationToken).ConfigureAwait(false);

    private async Task<int> DeleteMatchingAsync(string filter, CancellationToken cancellationToken)
    {
        var table = await _tables.GetTableAsync(TableNames.Outbox, cancellationToken).ConfigureAwait(false);
        var keys = new List<TableEntity>();
        await foreach (var row in table.QueryRowsAsync(filter, ["PartitionKey", "RowKey"], cancellationToken).ConfigureAwait(false))
        {
            keys.Add(new TableEntity(row.PartitionKey, row.RowKey));
        }

        var deleted = 0;
        foreach (var chunk in keys.Chunk(TableBatchWriter.MaxActionsPerTransaction))
        {
            var actions = chunk.Select(key => new TableTransactionAction(TableTransactionActionType.Delete, key, ETag.All));
            try
            {
                await _writer.WriteAsync(table, actions, cancellationToken).ConfigureAwait(false);
                deleted += chunk.Length;
            }
            catch (RequestFailedException exception) when (StorageFailure.IsNotFound(exception))
            {
                // Another worker deleted some of these rows at the same time; the rest of the chunk is deleted.
            }
            catch (RequestFailedException exception) when (StorageFailure.IsTransient(exception))
            {
                throw StorageFailure.Wrap(exception, "delete deliveries");
            }
        }

        return deleted;
    }

    private static TableEntity ToEntity(DeliveryRecord delivery) => new(delivery.SubscriptionId, delivery.RowKey)
    {
        ["DeliveryId"] = delivery.DeliveryId,
        ["EventId"] = delivery.EventId,
        ["EventType"] = delivery.EventType,
        ["Repository"] = delivery.Repository,
        ["Subject"] = delivery.Subject,
        ["ChangeTime"] = delivery.ChangeTime,
        ["CreatedAt"] = delivery.CreatedAt,
        ["Body"] = delivery.Body,
        ["ContentType"] = delivery.ContentType,
        ["Status"] = delivery.Status,
        ["Attempts"] = delivery.Attempts,
        ["LastStatusCode"] = delivery.LastStatusCode,
        ["LastError"] = delivery.LastError,
        ["LastAttemptAt"] = delivery.LastAttemptAt,
        ["NextAttemptAt"] = delivery.NextAttemptAt,
        ["DeliveredAt"] = delivery.DeliveredAt,
        ["ClaimedBy"] = delivery.ClaimedBy,
        ["ClaimedUntil"] = delivery.ClaimedUntil,
    };

    private static DeliveryRecord FromEntity(TableEntity row) => new()
    {
        SubscriptionId = row.PartitionKey,
        RowKey = row.RowKey,
        DeliveryId = row.GetString("DeliveryId") ?? "",
        EventId = row.GetString("EventId") ?? "",
        EventType = row.GetString("EventType") ?? "",
        Repository = row.GetString("Repository") ?? "",
        Subject = row.GetString("Subject") ?? "",
        ChangeTime = row.GetDateTimeOffset("ChangeTime") ?? DateTimeOffset.MinValue,
        CreatedAt = row.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        Body = row.GetString("Body") ?? "",
        ContentType = row.GetString("ContentType") ?? "",
        Status = row.GetString("Status") ?? DeliveryStatus.Pending,
        Attempts = row.GetInt32("Attempts") ?? 0,
        LastStatusCode = row.GetInt32("LastStatusCode"),
        LastError = row.GetString("LastError"),
        LastAttemptAt = row.GetDateTimeOffset("LastAttemptAt"),
        NextAttemptAt = row.GetDateTimeOffset("NextAttemptAt"),
        DeliveredAt = row.GetDateTimeOffset("DeliveredAt"),
        ClaimedBy = row.GetString("ClaimedBy"),
        ClaimedUntil = row.GetDateTimeOffset("ClaimedUntil"),
        ETag = row.ETag,
    };
}
