using System.Threading.Channels;
using Azure;
using Azure.Data.Tables;

namespace PortusFunctions.Storage;

/// <summary>
/// Group commit for table writes: actions submitted by concurrent callers are combined into entity group
/// transactions of one partition each, and every caller's task completes when its own action is stored.
/// </summary>
/// <remarks>
/// A transaction contains at most <see cref="MaxActionsPerTransaction"/> actions on one partition, touches each
/// entity once, and carries at most about 4 MiB. Azurite accepts transactions that break these limits, but Azure
/// rejects them, so they are enforced here. While transactions are in flight, new actions queue up and go out
/// together in the next one, which is where the throughput comes from. When a transaction of several actions is
/// rejected as invalid, each action is sent alone so that one bad entity fails only its own caller.
/// </remarks>
public sealed class TableBatchWriter : IAsyncDisposable
{
    /// <summary>Maximum number of actions in one entity group transaction.</summary>
    public const int MaxActionsPerTransaction = 100;

    private const long MaxTransactionBytes = 3 * 1024 * 1024;
    private const int MaxInFlight = 8;

    private readonly Channel<PendingAction> _queue = Channel.CreateUnbounded<PendingAction>(
        new UnboundedChannelOptions { SingleReader = true });

    private readonly SemaphoreSlim _inFlight = new(MaxInFlight, MaxInFlight);
    private readonly Task _loop;

    /// <summary>Starts the writer's loop.</summary>
    public TableBatchWriter()
    {
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Queues <paramref name="actions"/> and completes when all of them are stored.</summary>
    /// <exception cref="StorageUnavailableException">Storage could not be reached.</exception>
    /// <exception cref="RequestFailedException">Storage rejected an action.</exception>
    public Task WriteAsync(TableClient table, IEnumerable<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(actions);

        var tasks = new List<Task>();
        foreach (var action in actions)
        {
            var pending = new PendingAction(table, action);
            ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(pending), this);

            tasks.Add(pending.Completion.Task);
        }

        return Task.WhenAll(tasks).WaitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        _inFlight.Dispose();
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Wait for a free slot before draining: while every slot is busy, new actions keep queueing
            // and go out together in the next transaction.
            await _inFlight.WaitAsync().ConfigureAwait(false);
            _inFlight.Release();

            var drained = new List<PendingAction>();
            while (drained.Count < MaxActionsPerTransaction * MaxInFlight && reader.TryRead(out var pending))
            {
                drained.Add(pending);
            }

            foreach (var transaction in Partition(drained))
            {
                await _inFlight.WaitAsync().ConfigureAwait(false);
                _ = SubmitAndReleaseAsync(transaction);
            }
        }

        for (var i = 0; i < MaxInFlight; i++)
        {
            await _inFlight.WaitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Splits queued actions into valid transactions, keeping the order of actions on one entity.</summary>
    internal static IEnumerable<List<PendingAction>> Partition(IEnumerable<PendingAction> actions)
    {
        var groups = actions.GroupBy(
            pending => (pending.Table.Name, pending.Action.Entity.PartitionKey),
            pending => pending);

        foreach (var group in groups)
        {
            var current = new List<PendingAction>();
            var rowKeys = new HashSet<string>(StringComparer.Ordinal);
            long bytes = 0;
            foreach (var pending in group)
            {
                var size = EstimateBytes(pending.Action.Entity);
                var full = current.Count == MaxActionsPerTransaction || bytes + size > MaxTransactionBytes;
                if (current.Count > 0 && (full || rowKeys.Contains(pending.Action.Entity.RowKey)))
                {
                    yield return current;
                    current = [];
                    rowKeys.Clear();
                    bytes = 0;
                }

                current.Add(pending);
                rowKeys.Add(pending.Action.Entity.RowKey);
                bytes += size;
            }

            if (current.Count > 0)
            {
                yield return current;
            }
        }
    }

    private async Task SubmitAndReleaseAsync(List<PendingAction> transaction)
    {
        try
        {
            await SubmitAsync(transaction).ConfigureAwait(false);
        }
        finally
        {
            _inFlight.Release();
        }
    }

    private static async Task SubmitAsync(List<PendingAction> transaction)
    {
        try
        {
            await transaction[0].Table
                .SubmitTransactionAsync(transaction.Select(pending => pending.Action))
                .ConfigureAwait(false);
            foreach (var pending in transaction)
            {
                pending.Completion.TrySetResult();
            }
        }
        catch (Exception exception) when (transaction.Count > 1 && !StorageFailure.IsTransient(exception))
        {
            foreach (var pending in transaction)
            {
                await SubmitAsync([pending]).ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            var failure = StorageFailure.Wrap(exception, $"write to table {transaction[0].Table.Name}");
            foreach (var pending in transaction)
            {
                pending.Completion.TrySetException(failure);
            }
        }
    }

    private static long EstimateBytes(ITableEntity entity)
    {
        const long overhead = 512;
        if (entity is not IDictionary<string, object> properties)
        {
            return 4 * 1024;
        }

        long bytes = overhead + (entity.PartitionKey.Length + entity.RowKey.Length) * 2;
        foreach (var (name, value) in properties)
        {
            bytes += name.Length * 2 + value switch
            {
                string text => text.Length * 2,
                byte[] binary => binary.Length * 4 / 3,
                _ => 16,
            };
        }

        return bytes;
    }

    internal sealed record PendingAction(TableClient Table, TableTransactionAction Action)
    {
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
