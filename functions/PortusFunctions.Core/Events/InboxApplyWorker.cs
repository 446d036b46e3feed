using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PortusFunctions.Images;

namespace PortusFunctions.Events;

/// <summary>
/// Applies events from <see cref="InboxApplyChannel"/> as soon as the webhook has stored them, with
/// <see cref="InboxOptions.ApplyConcurrency"/> consumers in parallel.
/// </summary>
/// <remarks>
/// <para>Each repository belongs to one consumer, chosen by a hash of its name, so the consumers never write the
/// same repository at once and a repository's events are applied in the order they were stored. A consumer dequeues
/// every event that is waiting, up to <see cref="MaxDequeued"/>, and applies the events of one repository in batches
/// of <see cref="ImageStore.MaxBatch"/>: under load, one read and one commit serve several events.</para>
/// <para>While the webhook is storing deliveries, one batch is applied at a time across all consumers: the
/// registry waits for the webhook's response and nothing waits for the applier, so the response gets the
/// storage account first. Events queue up meanwhile, which makes the batches larger, and every consumer applies again as
/// soon as the deliveries stop.</para>
/// <para>Events that this worker does not finish, because the process stops or storage fails, stay pending in the
/// inbox, and the drain job applies them.</para>
/// </remarks>
public sealed class InboxApplyWorker : BackgroundService
{
    /// <summary>Maximum number of events a consumer dequeues at once.</summary>
    public const int MaxDequeued = 256;

    private const int ConsumerCapacity = 1024;

    private readonly SemaphoreSlim _whileStoring = new(1, 1);
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

    /// <summary>
    /// Splits <paramref name="items"/> into batches: one repository each, in the order of each repository's
    /// events. Tag pushes, digest pushes and tag deletes that follow each other share a batch of at most
    /// <see cref="ImageStore.MaxBatch"/>; every other event is a batch of its own.
    /// </summary>
    public static IEnumerable<IReadOnlyList<InboxItem>> Batches(IReadOnlyList<InboxItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);

        foreach (var repository in items.GroupBy(item => item.Command.Repository, StringComparer.Ordinal))
        {
            var batch = new List<InboxItem>(ImageStore.MaxBatch);
            foreach (var item in repository)
            {
                if (!ImageStore.IsBatchable(item.Command))
                {
                    if (batch.Count > 0)
                    {
                        yield return batch;
                        batch = new List<InboxItem>(ImageStore.MaxBatch);
                    }

                    yield return [item];
                    continue;
                }

                batch.Add(item);
                if (batch.Count == ImageStore.MaxBatch)
                {
                    yield return batch;
                    batch = new List<InboxItem>(ImageStore.MaxBatch);
                }
            }

            if (batch.Count > 0)
            {
                yield return batch;
            }
        }
    }

    /// <summary>Returns the consumer, out of <paramref name="consumers"/>, that applies the events of <paramref name="repository"/>.</summary>
    public static int ConsumerOf(string repository, int consumers)
    {
        ArgumentNullException.ThrowIfNull(repository);

        // FNV-1a: stable across processes, unlike string.GetHashCode.
        var hash = 2166136261u;
        foreach (var character in repository)
        {
            hash = (hash ^ character) * 16777619u;
        }

        return (int)(hash % (uint)consumers);
    }

    /// <inheritdoc/>
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var consumers = Enumerable.Range(0, _options.Value.ApplyConcurrency)
            .Select(_ => Channel.CreateBounded<InboxItem>(new BoundedChannelOptions(ConsumerCapacity) { SingleReader = true, SingleWriter = true }))
            .ToList();
        return Task.WhenAll(consumers.Select(consumer => ConsumeAsync(consumer.Reader, stoppingToken)).Append(RouteAsync(consumers, stoppingToken)));
    }

    private async Task RouteAsync(List<Channel<InboxItem>> consumers, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var item in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                // Waits while the consumer is full, so the shared queue fills and new events go to the drain.
                await consumers[ConsumerOf(item.Command.Repository, consumers.Count)].Writer.WriteAsync(item, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: queued events stay pending in the inbox.
        }
    }

    private async Task ApplyAsync(IReadOnlyList<InboxItem> batch, CancellationToken stoppingToken)
    {
        var gated = _queue.IsStoring;
        if (gated)
        {
            await _whileStoring.WaitAsync(stoppingToken).ConfigureAwait(false);
        }

        try
        {
            await _applier.ApplyAsync(batch, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            if (gated)
            {
                _whileStoring.Release();
            }

            foreach (var item in batch)
            {
                _queue.Done(item);
            }
        }
    }

    private async Task ConsumeAsync(ChannelReader<InboxItem> reader, CancellationToken stoppingToken)
    {
        var dequeued = new List<InboxItem>(MaxDequeued);
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                dequeued.Clear();
                while (dequeued.Count < MaxDequeued && reader.TryRead(out var item))
                {
                    dequeued.Add(item);
                }

                foreach (var batch in Batches(dequeued))
                {
                    await ApplyAsync(batch, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: queued events stay pending in the inbox.
        }
    }
}
