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

    /// <summary>The consuming side.</summary>
    public ChannelReader<InboxItem> Reader => _channel.Reader;

    /// <summary>Queues an event; false when the queue is full and the drain will apply it instead.</summary>
    public bool TryEnqueue(InboxItem item) => _channel.Writer.TryWrite(item);
}
