using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PortusFunctions.Webhooks.Delivery;

/// <summary>
/// Runs the dispatcher in the process as soon as deliveries are created (<see cref="OutboxSignal"/>) and when the
/// earliest held-back delivery is due, so deliveries and retries do not wait for the timer.
/// </summary>
/// <remarks>
/// The timer job still runs on its schedule: it sends what other instances created and what this worker did not
/// finish, because the process stopped or storage failed.
/// </remarks>
public sealed partial class OutboxDispatchWorker : BackgroundService
{
    private static readonly TimeSpan FailureDelay = TimeSpan.FromSeconds(15);

    private readonly IOutboxDispatcher _dispatcher;
    private readonly OutboxSignal _signal;
    private readonly TimeProvider _clock;
    private readonly ILogger<OutboxDispatchWorker> _logger;

    /// <summary>Creates the worker.</summary>
    public OutboxDispatchWorker(IOutboxDispatcher dispatcher, OutboxSignal signal, TimeProvider clock, ILogger<OutboxDispatchWorker> logger)
    {
        _dispatcher = dispatcher;
        _signal = signal;
        _clock = clock;
        _logger = logger;
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            DateTimeOffset? wakeAt;
            try
            {
                wakeAt = (await _dispatcher.RunAsync(stoppingToken).ConfigureAwait(false)).NextDueAt;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogRunFailed(exception, FailureDelay);
                wakeAt = _clock.GetUtcNow() + FailureDelay;
            }

            var wait = wakeAt is { } due ? Max(due - _clock.GetUtcNow(), TimeSpan.Zero) : Timeout.InfiniteTimeSpan;
            try
            {
                await _signal.WaitAsync(wait, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private static TimeSpan Max(TimeSpan left, TimeSpan right) => left > right ? left : right;

    [LoggerMessage(EventId = 6211, Level = LogLevel.Warning, Message = "In-process outbox dispatch failed; it runs again in {Delay} or when deliveries are created")]
    private partial void LogRunFailed(Exception exception, TimeSpan delay);
}
