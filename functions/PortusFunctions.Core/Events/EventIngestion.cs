using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortusFunctions.Diagnostics;

namespace PortusFunctions.Events;

/// <summary>Stores received registry events durably and hands them to the in-process applier.</summary>
public interface IEventIngestion
{
    /// <summary>
    /// Classifies <paramref name="events"/>, stores accepted ones in the inbox and unusable ones in quarantine,
    /// and returns the counts once everything is stored.
    /// </summary>
    /// <exception cref="Storage.StorageUnavailableException">Storage cannot be reached; the sender must retry.</exception>
    Task<IngestResult> IngestAsync(IReadOnlyList<IncomingEvent> events, CancellationToken cancellationToken);
}

/// <summary>What happened to the events of one delivery.</summary>
/// <param name="Received">Events in the delivery.</param>
/// <param name="Accepted">Events stored in the inbox to be applied.</param>
/// <param name="Ignored">Events counted and dropped, such as pulls and blob pushes.</param>
/// <param name="Quarantined">Events stored in the quarantine table.</param>
public sealed record IngestResult(int Received, int Accepted, int Ignored, int Quarantined);

/// <inheritdoc cref="IEventIngestion"/>
public sealed partial class EventIngestion : IEventIngestion
{
    private readonly InboxStore _inbox;
    private readonly InboxApplyChannel _queue;
    private readonly IOptionsMonitor<WebhookOptions> _options;
    private readonly PortusMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly ILogger<EventIngestion> _logger;

    /// <summary>Creates the service.</summary>
    public EventIngestion(
        InboxStore inbox,
        InboxApplyChannel queue,
        IOptionsMonitor<WebhookOptions> options,
        PortusMetrics metrics,
        TimeProvider clock,
        ILogger<EventIngestion> logger)
    {
        _inbox = inbox;
        _queue = queue;
        _options = options;
        _metrics = metrics;
        _clock = clock;
        _logger = logger;
    }

    /// <inheritdoc/>
    public async Task<IngestResult> IngestAsync(IReadOnlyList<IncomingEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);

        var receivedAt = _clock.GetUtcNow();
        var partition = InboxStore.PartitionFor(receivedAt);

        // Keyed by event id: an envelope that repeats an event stores it once.
        var accepted = new Dictionary<string, (InboxItem Item, TableEntity Row)>(StringComparer.Ordinal);
        var quarantined = new List<QuarantinedEvent>();
        var ignored = 0;
        foreach (var incoming in events)
        {
            var decision = EventClassifier.Classify(incoming, receivedAt, _options.CurrentValue.MaxClockSkew);
            switch (decision.Disposition)
            {
                case EventDisposition.Accepted:
                    var item = new InboxItem(partition, decision.EventId!, decision.Command!, receivedAt, 0, incoming.Raw);
                    if (InboxStore.CreateRow(item) is { } row)
                    {
                        accepted[item.EventId] = (item, row);
                    }
                    else
                    {
                        quarantined.Add(new QuarantinedEvent(decision.EventId, incoming.Raw, $"The event is {incoming.Raw.Length} characters long and does not fit in an inbox row even compressed."));
                    }

                    break;
                case EventDisposition.Ignored:
                    ignored++;
                    break;
                default:
                    quarantined.Add(new QuarantinedEvent(decision.EventId, incoming.Raw, decision.Reason!));
                    LogQuarantined(decision.EventId ?? "(none)", decision.Reason!);
                    break;
            }
        }

        _queue.StoreStarted();
        try
        {
            await _inbox.StoreAsync([.. accepted.Values.Select(entry => entry.Row)], quarantined, receivedAt, cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            _queue.StoreFinished();
        }

        var deferred = accepted.Values.Count(entry => !_queue.TryEnqueue(entry.Item));
        if (deferred > 0)
        {
            LogQueueFull(deferred);
        }

        var result = new IngestResult(events.Count, accepted.Count, ignored, quarantined.Count);
        _metrics.EventsReceived.Add(result.Received);
        _metrics.EventsIgnored.Add(result.Ignored);
        _metrics.EventsQuarantined.Add(result.Quarantined);
        LogDelivery(result.Received, result.Accepted, result.Ignored, result.Quarantined);
        return result;
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Delivery stored: {Received} events, {Accepted} accepted, {Ignored} ignored, {Quarantined} quarantined")]
    private partial void LogDelivery(int received, int accepted, int ignored, int quarantined);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Event {EventId} quarantined: {Reason}")]
    private partial void LogQuarantined(string eventId, string reason);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "Apply queue is full; {Count} stored events are left to the drain job")]
    private partial void LogQueueFull(int count);
}
