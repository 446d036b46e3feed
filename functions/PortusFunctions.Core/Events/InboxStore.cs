using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using PortusFunctions.Images;
using PortusFunctions.Storage;

namespace PortusFunctions.Events;

/// <summary>
/// The inbox and quarantine tables.
/// </summary>
/// <remarks>
/// <para>Inbox rows have the arrival minute (<c>yyyyMMddHHmm</c>, UTC) as partition key and the encoded event id as
/// row key. Events that arrive together share a partition, so concurrent deliveries are stored in one transaction,
/// and the drain reads forward from a cursor partition instead of scanning the table. A redelivery in the same
/// minute overwrites its row; one in a later minute adds a row, and applying the event twice changes nothing.</para>
/// <para>Quarantine rows have the arrival day (<c>yyyyMMdd</c>) as partition key and the encoded event id, or a
/// hash of the raw event when it has no id, as row key.</para>
/// </remarks>
public class InboxStore
{
    private const string JobPartition = "inbox-drain";
    private const string CursorRow = "cursor";

    private readonly TableStore _tables;
    private readonly TableBatchWriter _writer;

    /// <summary>Creates the store.</summary>
    public InboxStore(TableStore tables, TableBatchWriter writer)
    {
        _tables = tables;
        _writer = writer;
    }

    /// <summary>Returns the inbox partition key of events that arrive at <paramref name="time"/>.</summary>
    public static string PartitionFor(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);

    /// <summary>
    /// Builds the inbox row of an accepted event, or returns null when its raw JSON is too large for a row.
    /// </summary>
    public static TableEntity? CreateRow(InboxItem item)
    {
        ArgumentNullException.ThrowIfNull(item);

        var command = item.Command;
        var entity = new TableEntity(item.PartitionKey, KeyCodec.Encode(item.EventId))
        {
            ["EventId"] = item.EventId,
            ["Status"] = InboxStatus.Pending,
            ["Action"] = command.GetType().Name,
            ["Repository"] = command.Repository,
            ["Tag"] = command switch { PushManifest push => push.Tag, DeleteTag delete => delete.Tag, _ => null },
            ["Digest"] = command switch { PushManifest push => push.Digest, DeleteDigest delete => delete.Digest, _ => null },
            ["EventTime"] = command.Version.Time,
            ["ReceivedAt"] = item.ReceivedAt,
            ["Attempts"] = 0,
        };
        return RawEventColumns.TryWrite(entity, item.Raw) ? entity : null;
    }

    /// <summary>Stores inbox rows and quarantined events, and completes when every row is written.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached; nothing may have been stored.</exception>
    public virtual async Task StoreAsync(
        IReadOnlyList<TableEntity> inboxRows,
        IReadOnlyList<QuarantinedEvent> quarantined,
        DateTimeOffset receivedAt,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inboxRows);
        ArgumentNullException.ThrowIfNull(quarantined);

        var writes = new List<Task>(2);
        if (inboxRows.Count > 0)
        {
            var inbox = await _tables.GetTableAsync(TableNames.Inbox, cancellationToken).ConfigureAwait(false);
            writes.Add(_writer.WriteAsync(
                inbox,
                inboxRows.Select(row => new TableTransactionAction(TableTransactionActionType.UpsertReplace, row)),
                cancellationToken));
        }

        if (quarantined.Count > 0)
        {
            var quarantine = await _tables.GetTableAsync(TableNames.Quarantine, cancellationToken).ConfigureAwait(false);
            writes.Add(_writer.WriteAsync(
                quarantine,
                quarantined.Select(item => new TableTransactionAction(TableTransactionActionType.UpsertReplace, QuarantineRow(item, receivedAt))),
                cancellationToken));
        }

        await Task.WhenAll(writes).ConfigureAwait(false);
    }

    /// <summary>Records the outcome of an event.</summary>
    public virtual Task CompleteAsync(InboxItem item, string status, string? reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);

        return CompleteAsync(item.PartitionKey, item.EventId, status, reason, now, cancellationToken);
    }

    /// <summary>Records a failed attempt to apply an event; it stays pending.</summary>
    public virtual async Task RecordFailureAsync(InboxItem item, string message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);

        var row = new TableEntity(item.PartitionKey, KeyCodec.Encode(item.EventId))
        {
            ["Attempts"] = item.Attempts + 1,
            ["LastError"] = Truncate(message, 4000),
        };
        await MergeAsync(row, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies an event that cannot be applied to the quarantine table and marks its inbox row.</summary>
    /// <param name="partitionKey">Inbox partition of the event's row.</param>
    /// <param name="eventId">Event id.</param>
    /// <param name="raw">The event's raw JSON.</param>
    /// <param name="reason">Why the event cannot be applied.</param>
    /// <param name="now">Time of the decision.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    public virtual async Task QuarantineAsync(
        string partitionKey,
        string eventId,
        string raw,
        string reason,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await StoreAsync([], [new QuarantinedEvent(eventId, raw, reason)], now, cancellationToken).ConfigureAwait(false);
        await CompleteAsync(partitionKey, eventId, InboxStatus.Quarantined, reason, now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Streams pending rows in partitions from <paramref name="fromPartition"/> on.</summary>
    public virtual async IAsyncEnumerable<PendingInboxRow> ReadPendingAsync(
        string fromPartition,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var inbox = await _tables.GetTableAsync(TableNames.Inbox, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {fromPartition} and Status eq {InboxStatus.Pending}");
        await foreach (var row in inbox.QueryRowsAsync(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return new PendingInboxRow(
                row.PartitionKey,
                row.GetString("EventId") ?? KeyCodec.Decode(row.RowKey),
                RawEventColumns.Read(row),
                row.GetDateTimeOffset("ReceivedAt") ?? row.Timestamp ?? DateTimeOffset.MinValue,
                row.GetInt32("Attempts") ?? 0);
        }
    }

    /// <summary>Returns the quarantine rows stored since <paramref name="since"/>, newest first.</summary>
    public virtual async Task<IReadOnlyList<QuarantineEntry>> ReadQuarantineAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var quarantine = await _tables.GetTableAsync(TableNames.Quarantine, cancellationToken).ConfigureAwait(false);
        var firstDay = since.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {firstDay}");
        var entries = new List<QuarantineEntry>();
        await foreach (var row in quarantine.QueryRowsAsync(filter, ["EventId", "Reason", "ReceivedAt"], cancellationToken).ConfigureAwait(false))
        {
            var receivedAt = row.GetDateTimeOffset("ReceivedAt") ?? row.Timestamp ?? DateTimeOffset.MinValue;
            if (receivedAt >= since)
            {
                entries.Add(new QuarantineEntry(receivedAt, row.GetString("EventId"), row.GetString("Reason") ?? ""));
            }
        }

        entries.Sort((left, right) => right.ReceivedAt.CompareTo(left.ReceivedAt));
        return entries;
    }

    /// <summary>Deletes finished rows in partitions before <paramref name="beforePartition"/>; returns how many.</summary>
    public virtual async Task<int> DeleteFinishedAsync(string beforePartition, CancellationToken cancellationToken)
    {
        var inbox = await _tables.GetTableAsync(TableNames.Inbox, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey lt {beforePartition} and Status ne {InboxStatus.Pending}");
        var deletes = new List<TableTransactionAction>();
        await foreach (var row in inbox.QueryRowsAsync(filter, ["PartitionKey", "RowKey"], cancellationToken).ConfigureAwait(false))
        {
            deletes.Add(new TableTransactionAction(TableTransactionActionType.Delete, row, row.ETag));
        }

        await _writer.WriteAsync(inbox, deletes, cancellationToken).ConfigureAwait(false);
        return deletes.Count;
    }

    /// <summary>Reads the drain cursor: the first partition that may hold pending rows, or null before the first run.</summary>
    public virtual async Task<string?> ReadCursorAsync(CancellationToken cancellationToken)
    {
        var jobs = await _tables.GetTableAsync(TableNames.Jobs, cancellationToken).ConfigureAwait(false);
        var row = await jobs.FindAsync(JobPartition, CursorRow, cancellationToken).ConfigureAwait(false);
        return row?.GetString("Partition");
    }

    /// <summary>Stores the drain cursor.</summary>
    public virtual async Task WriteCursorAsync(string partition, CancellationToken cancellationToken)
    {
        var jobs = await _tables.GetTableAsync(TableNames.Jobs, cancellationToken).ConfigureAwait(false);
        var row = new TableEntity(JobPartition, CursorRow) { ["Partition"] = partition };
        await jobs.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    private async Task CompleteAsync(
        string partitionKey,
        string eventId,
        string status,
        string? reason,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var row = new TableEntity(partitionKey, KeyCodec.Encode(eventId))
        {
            ["Status"] = status,
            ["Reason"] = reason,
            ["CompletedAt"] = now,
        };
        await MergeAsync(row, cancellationToken).ConfigureAwait(false);
    }

    private async Task MergeAsync(TableEntity row, CancellationToken cancellationToken)
    {
        var inbox = await _tables.GetTableAsync(TableNames.Inbox, cancellationToken).ConfigureAwait(false);
        await _writer.WriteAsync(inbox, [new TableTransactionAction(TableTransactionActionType.UpsertMerge, row)], cancellationToken)
            .ConfigureAwait(false);
    }

    private static TableEntity QuarantineRow(QuarantinedEvent item, DateTimeOffset receivedAt)
    {
        var rowKey = item.EventId is { Length: > 0 } id
            ? KeyCodec.Encode(id)
            : "sha256-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(item.Raw)));
        var row = new TableEntity(receivedAt.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture), rowKey)
        {
            ["EventId"] = item.EventId,
            ["Reason"] = Truncate(item.Reason, 4000),
            ["ReceivedAt"] = receivedAt,
        };
        RawEventColumns.WriteTruncated(row, item.Raw);
        return row;
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];
}

/// <summary>A pending inbox row as the drain reads it.</summary>
/// <param name="PartitionKey">Inbox partition of the row.</param>
/// <param name="EventId">Event id.</param>
/// <param name="Raw">The event's raw JSON, or null when the row lost it.</param>
/// <param name="ReceivedAt">When the webhook stored it.</param>
/// <param name="Attempts">Failed attempts so far.</param>
public sealed record PendingInboxRow(string PartitionKey, string EventId, string? Raw, DateTimeOffset ReceivedAt, int Attempts);

/// <summary>A quarantined event as the operator page lists it.</summary>
/// <param name="ReceivedAt">When the webhook or the drain quarantined it.</param>
/// <param name="EventId">Event id, or null when the event had none.</param>
/// <param name="Reason">Why it cannot be applied.</param>
public sealed record QuarantineEntry(DateTimeOffset ReceivedAt, string? EventId, string Reason);
