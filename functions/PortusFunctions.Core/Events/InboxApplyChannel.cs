using System.Collections.Concurrent;
using System.Threading.Channels;

namespace PortusFunctions.Events;

/// <summary>
/// Stored events waiting for the in-process applier. Bounded: when it is full, events stay pending in the inbox
/// and the drain job applies them.
/// </summary>
public sealed class InboxApplyChannel
{
    /// <summary>Maximum number of queued events.</summary>
    public const int Capacity = 20_000;

    private readonly Channel<InboxItem> _channel = Channel.CreateBounded<InboxItem>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait });

    // A delivery that ended this recently is taken as part of a stream of them.
    private const long QuietMilliseconds = 250;

    private readonly ConcurrentDictionary<string, byte> _queued = new(StringComparer.Ordinal);
    private int _storing;
    private long _lastStoredAt = long.MinValue / 2;

    /// <summary>
    /// Whether the webhook is storing deliveries: one is being stored, or one was stored within the last
    /// 250 ms. The applier then leaves most of the storage account to the webhook.
    /// </summary>
    public bool IsStoring =>
        Volatile.Read(ref _storing) > 0 || Environment.TickCount64 - Interlocked.Read(ref _lastStoredAt) < QuietMilliseconds;

    /// <summary>The consuming side.</summary>
    public ChannelReader<InboxItem> Reader => _channel.Reader;

    /// <summary>Queues an event; false when the queue is full and the drain will apply it instead.</summary>
    public bool TryEnqueue(InboxItem item)
    {
        ArgumentNullException.ThrowIfNull(item);

        _queued[Key(item.PartitionKey, item.EventId)] = 0;
        if (_channel.Writer.TryWrite(item))
        {
            return true;
        }

        _queued.TryRemove(Key(item.PartitionKey, item.EventId), out _);
        return false;
    }

    /// <summary>Whether an event is queued here or is being applied from here. The drain skips such events.</summary>
    public bool IsQueued(string partitionKey, string eventId) => _queued.ContainsKey(Key(partitionKey, eventId));

    /// <summary>Records that the applier is done with an event: applied, or left pending for the drain.</summary>
    public void Done(InboxItem item)
    {
        ArgumentNullException.ThrowIfNull(item);

        _queued.TryRemove(Key(item.PartitionKey, item.EventId), out _);
    }

    /// <summary>Records that the webhook started storing a delivery.</summary>
    public void StoreStarted() => Interlocked.Increment(ref _storing);

    private static string Key(string partitionKey, string eventId) => partitionKey + "/" + eventId;

    /// <summary>Records that the webhook finished storing a delivery, stored or not.</summary>
    public void StoreFinished()
    {
        Interlocked.Exchange(ref _lastStoredAt, Environment.TickCount64);
        Interlocked.Decrement(ref _storing);
    }
}
