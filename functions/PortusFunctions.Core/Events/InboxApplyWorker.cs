using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace PortusFunctions.Events;

/// <summary>
/// Applies events from <see cref="InboxApplyChannel"/> as soon as the webhook has stored them, with
/// <see cref="InboxOptions.ApplyConcurrency"/> events in parallel.
/// </summary>
/// <remarks>
/// Events that this worker does not finish, because the process stops or storage fails, stay pending in the
/// inbox, and the drain job applies them.
/// </remarks>
public sealed class InboxApplyWorker : BackgroundService
{
    private readonly InboxApplyChannel _queue;
    private readonly InboxApplier _applier;
    private readonly IOptions<InboxOptions> _options;

    /// <summary>Creates the worker.</summary>
    public InboxApplyWorker(InboxApplyChannel queue, InboxApplier applier, IOptions<InboxOptions> options)
    {
        _queue = queue;
        _applier = applier;
        _options = options;
    }

    /// <inheritdoc/>
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var consumers = Enumerable.Range(0, _options.Value.ApplyConcurrency).Select(_ => ConsumeAsync(stoppingToken));
        return Task.WhenAll(consumers);
    }

    private async Task ConsumeAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var item in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await _applier.ApplyAsync(item, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: queued events stay pending in the inbox.
        }
    }
}
