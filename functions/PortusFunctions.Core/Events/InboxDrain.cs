using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortusFunctions.Diagnostics;

namespace PortusFunctions.Events;

/// <summary>One pass of the inbox drain.</summary>
public interface IInboxDrain
{
    /// <summary>Runs one pass over the pending events.</summary>
    /// <exception cref="Storage.StorageUnavailableException">Storage cannot be reached; the next run tries again.</exception>
    Task<DrainResult> RunAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Applies events left pending in the inbox: those stored just before a crash, those that found storage down,
/// and those that failed and have attempts left. Also removes finished rows older than the retention.
/// </summary>
public sealed partial class InboxDrain : IInboxDrain
{
    // Partitions younger than this may still receive rows from requests in flight, so the cursor stays behind them.
    private static readonly TimeSpan CursorLag = TimeSpan.FromMinutes(10);

    // Events read before they are applied together.
    private const int ChunkSize = 512;

    private readonly InboxStore _inbox;
    private readonly InboxApplyChannel _queue;
    private readonly InboxApplier _applier;
    private readonly PortusMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly IOptions<InboxOptions> _options;
    private readonly IOptionsMonitor<WebhookOptions> _webhookOptions;
    private readonly ILogger<InboxDrain> _logger;

    /// <summary>Creates the job.</summary>
    public InboxDrain(
        InboxStore inbox,
        InboxApplyChannel queue,
        InboxApplier applier,
        PortusMetrics metrics,
        TimeProvider clock,
        IOptions<InboxOptions> options,
        IOptionsMonitor<WebhookOptions> webhookOptions,
        ILogger<InboxDrain> logger)
    {
        _webhookOptions = webhookOptions;
        _inbox = inbox;
        _queue = queue;
        _applier = applier;
        _metrics = metrics;
        _clock = clock;
        _options = options;
        _logger = logger;
    }

    /// <inheritdoc/>
    public async Task<DrainResult> RunAsync(CancellationToken cancellationToken)
    {
        var options = _options.Value;
        var started = _clock.GetUtcNow();
        var deadline = started + options.TimeBudget;
        var notBefore = started - options.DrainDelay;
        var safeCursor = InboxStore.PartitionFor(started - CursorLag);
        var cursor = await _inbox.ReadCursorAsync(cancellationToken).ConfigureAwait(false)
            ?? InboxStore.PartitionFor(started - options.Retention);

        string? firstLeftPending = null;
        int applied = 0, failed = 0, skipped = 0;
        var chunk = new List<InboxItem>(ChunkSize);

        async Task ApplyChunkAndCountAsync()
        {
            var pending = await ApplyChunkAsync(chunk, cancellationToken).ConfigureAwait(false);
            applied += chunk.Count - pending.Count;
            failed += pending.Count;
            foreach (var item in pending)
            {
                firstLeftPending = Min(firstLeftPending, item.PartitionKey);
            }

            chunk.Clear();
        }

        await foreach (var row in _inbox.ReadPendingAsync(cursor, cancellationToken).ConfigureAwait(false))
        {
            // The in-process applier applies the events it has queued. A later run takes those it leaves pending.
            if (row.ReceivedAt > notBefore || _clock.GetUtcNow() > deadline || _queue.IsQueued(row.PartitionKey, row.EventId))
            {
                skipped++;
                firstLeftPending = Min(firstLeftPending, row.PartitionKey);
                continue;
            }

            var item = await ReadItemAsync(row, cancellationToken).ConfigureAwait(false);
            if (item is null)
            {
                applied++;
                continue;
            }

            chunk.Add(item);
            if (chunk.Count == ChunkSize)
            {
                await ApplyChunkAndCountAsync().ConfigureAwait(false);
            }
        }

        if (chunk.Count > 0)
        {
            await ApplyChunkAndCountAsync().ConfigureAwait(false);
        }

        var nextCursor = Min(firstLeftPending, safeCursor)!;
        await _inbox.WriteCursorAsync(nextCursor, cancellationToken).ConfigureAwait(false);

        var removed = await _inbox.DeleteFinishedAsync(InboxStore.PartitionFor(started - options.Retention), cancellationToken)
            .ConfigureAwait(false);

        var result = new DrainResult(applied, failed, skipped, removed, nextCursor);
        LogDrained(applied, failed, skipped, removed, nextCursor);
        return result;
    }

    /// <summary>Reads a pending row back as an event; quarantines it and returns null when it cannot be applied.</summary>
    private async Task<InboxItem?> ReadItemAsync(PendingInboxRow row, CancellationToken cancellationToken)
    {
        var decision = row.Raw is null ? null : Reclassify(row.Raw, row.ReceivedAt);
        if (decision is not { Disposition: EventDisposition.Accepted, Command: { } command })
        {
            // The event was accepted when it was stored, so the row was altered or the rules changed since.
            var reason = decision?.Reason ?? "The inbox row holds no raw event.";
            await _inbox.QuarantineAsync(row.PartitionKey, row.EventId, row.Raw ?? "", reason, _clock.GetUtcNow(), cancellationToken)
                .ConfigureAwait(false);
            _metrics.EventsQuarantined.Add(1);
            LogUnreadable(row.EventId, reason);
            return null;
        }

        return new InboxItem(row.PartitionKey, row.EventId, command, row.ReceivedAt, row.Attempts, row.Raw!);
    }

    /// <summary>
    /// Applies events in batches as the in-process applier does: each repository on one of
    /// <see cref="InboxOptions.ApplyConcurrency"/> lanes, the lanes in parallel. Returns the events left pending.
    /// </summary>
    private async Task<IReadOnlyList<InboxItem>> ApplyChunkAsync(List<InboxItem> chunk, CancellationToken cancellationToken)
    {
        var lanes = _options.Value.ApplyConcurrency;
        var pending = await Task.WhenAll(InboxApplyWorker.Batches(chunk)
            .GroupBy(batch => InboxApplyWorker.ConsumerOf(batch[0].Command.Repository, lanes))
            .Select(async lane =>
            {
                var left = new List<InboxItem>();
                foreach (var batch in lane)
                {
                    left.AddRange(await _applier.ApplyAsync(batch, cancellationToken).ConfigureAwait(false));
                }

                return left;
            })).ConfigureAwait(false);
        return [.. pending.SelectMany(left => left)];
    }

    /// <summary>Classifies a stored event again, as of when it was received, so it gets the decision it got then.</summary>
    private EventDecision Reclassify(string raw, DateTimeOffset receivedAt)
    {
        var parsed = EnvelopeParser.Parse(Encoding.UTF8.GetBytes(raw), maxEvents: 1);
        return parsed.IsSuccess
            ? EventClassifier.Classify(parsed.Events[0], receivedAt, _webhookOptions.CurrentValue.MaxClockSkew)
            : EventDecision.Quarantine(null, parsed.Error!);
    }

    private static string? Min(string? left, string right) =>
        left is null || string.CompareOrdinal(right, left) < 0 ? right : left;

    [LoggerMessage(EventId = 2301, Level = LogLevel.Information, Message = "Inbox drain: {Applied} applied, {Failed} left pending after a failure, {Skipped} left for later, {Removed} old rows removed; cursor {Cursor}")]
    private partial void LogDrained(int applied, int failed, int skipped, int removed, string cursor);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Warning, Message = "Inbox event {EventId} cannot be read back and is quarantined: {Reason}")]
    private partial void LogUnreadable(string eventId, string reason);
}

/// <summary>Counts of one drain run.</summary>
/// <param name="Applied">Events applied, ignored or quarantined.</param>
/// <param name="Failed">Events that failed and stay pending.</param>
/// <param name="Skipped">Events left for the in-process applier or the next run.</param>
/// <param name="Removed">Finished rows removed after the retention.</param>
/// <param name="Cursor">First partition the next run reads.</param>
public sealed record DrainResult(int Applied, int Failed, int Skipped, int Removed, string Cursor);
