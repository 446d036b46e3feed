using System.Threading.Channels;

namespace PortusFunctions.Webhooks.Delivery;

/// <summary>
/// Wakes the in-process dispatcher when deliveries are created, so they go out without waiting for the timer.
/// Signals that arrive while the dispatcher runs collapse into one more run.
/// </summary>
public sealed class OutboxSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Requests a dispatcher run.</summary>
    public void Notify() => _channel.Writer.TryWrite(true);

    /// <summary>
    /// Waits until <see cref="Notify"/> is called or <paramref name="timeout"/> passes
    /// (<see cref="Timeout.InfiniteTimeSpan"/> to wait for the signal only); returns whether the signal came.
    /// </summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            wait.CancelAfter(timeout);
        }

        try
        {
            await _channel.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
