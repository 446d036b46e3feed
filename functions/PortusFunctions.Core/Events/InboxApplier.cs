using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortusFunctions.Diagnostics;
using PortusFunctions.Images;
using PortusFunctions.Storage;

namespace PortusFunctions.Events;

/// <summary>Applies one stored event to the image store and records its outcome in the inbox.</summary>
public partial class InboxApplier
{
    private readonly IImageStore _images;
    private readonly InboxStore _inbox;
    private readonly PortusMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly IOptions<InboxOptions> _options;
    private readonly ILogger<InboxApplier> _logger;

    /// <summary>Creates the applier.</summary>
    public InboxApplier(
        IImageStore images,
        InboxStore inbox,
        PortusMetrics metrics,
        TimeProvider clock,
        IOptions<InboxOptions> options,
        ILogger<InboxApplier> logger)
    {
        _images = images;
        _inbox = inbox;
        _metrics = metrics;
        _clock = clock;
        _options = options;
        _logger = logger;
    }

    /// <summary>
    /// Applies <paramref name="item"/>. Returns false when it stays pending: storage was unavailable, or the apply
    /// failed and attempts remain.
    /// </summary>
    public virtual async Task<bool> ApplyAsync(InboxItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);

        try
        {
            var outcome = await _images.ApplyAsync(item.Command, cancellationToken).ConfigureAwait(false);
            await CompleteAsync(item, outcome, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception exception) when (StorageFailure.IsTransient(exception))
        {
            LogStorageUnavailable(exception, item.EventId);
            return false;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return await RecordFailureAsync(item, exception, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Applies events of one repository with one read and one commit (see <see cref="IImageStore"/>). When that
    /// fails for another reason than storage, applies each event alone, so that each gets its own attempts.
    /// Returns the events that stay pending.
    /// </summary>
    public virtual async Task<IReadOnlyList<InboxItem>> ApplyAsync(IReadOnlyList<InboxItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);

        if (items.Count == 1)
        {
            return await ApplyAsync(items[0], cancellationToken).ConfigureAwait(false) ? [] : [items[0]];
        }

        try
        {
            var outcomes = await _images.ApplyAsync([.. items.Select(item => item.Command)], cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(items.Select((item, index) => CompleteAsync(item, outcomes[index], cancellationToken))).ConfigureAwait(false);
            return [];
        }
        catch (Exception exception) when (StorageFailure.IsTransient(exception))
        {
            foreach (var item in items)
            {
                LogStorageUnavailable(exception, item.EventId);
            }

            return items;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            var pending = new List<InboxItem>();
            foreach (var item in items)
            {
                if (!await ApplyAsync(item, cancellationToken).ConfigureAwait(false))
                {
                    pending.Add(item);
                }
            }

            return pending;
        }
    }

    private async Task CompleteAsync(InboxItem item, ApplyOutcome outcome, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var status = outcome.IsIgnored ? InboxStatus.Ignored : InboxStatus.Applied;
        await _inbox.CompleteAsync(item, status, outcome.Reason, now, cancellationToken).ConfigureAwait(false);

        (outcome.IsIgnored ? _metrics.EventsIgnored : _metrics.EventsApplied).Add(1);
        _metrics.InboxLag.Record((now - item.ReceivedAt).TotalSeconds);
        LogApplied(item.EventId, item.Command.Repository, status, outcome.Reason ?? "changed");
    }

    private async Task<bool> RecordFailureAsync(InboxItem item, Exception exception, CancellationToken cancellationToken)
    {
        var attempts = item.Attempts + 1;
        var maxAttempts = _options.Value.MaxAttempts;
        LogApplyFailed(exception, item.EventId, item.Command.Repository, attempts, maxAttempts);
        try
        {
            if (attempts < maxAttempts)
            {
                await _inbox.RecordFailureAsync(item, exception.Message, cancellationToken).ConfigureAwait(false);
                return false;
            }

            var reason = $"Applying the event failed {attempts} times; last error: {exception.GetType().Name}: {exception.Message}";
            await _inbox.QuarantineAsync(item.PartitionKey, item.EventId, item.Raw, reason, _clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            _metrics.EventsQuarantined.Add(1);
            return true;
        }
        catch (Exception recordException) when (StorageFailure.IsTransient(recordException))
        {
            LogStorageUnavailable(recordException, item.EventId);
            return false;
        }
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Debug, Message = "Event {EventId} on repository {Repository}: {Status} ({Reason})")]
    private partial void LogApplied(string eventId, string repository, string status, string reason);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "Event {EventId} stays pending: storage is unavailable")]
    private partial void LogStorageUnavailable(Exception exception, string eventId);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Error, Message = "Applying event {EventId} on repository {Repository} failed (attempt {Attempt} of {MaxAttempts})")]
    private partial void LogApplyFailed(Exception exception, string eventId, string repository, int attempt, int maxAttempts);
}
