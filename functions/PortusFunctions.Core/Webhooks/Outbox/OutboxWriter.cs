using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortusFunctions.Diagnostics;
using PortusFunctions.Webhooks.Delivery;
using PortusFunctions.Webhooks.Subscriptions;

namespace PortusFunctions.Webhooks.Outbox;

/// <summary>
/// Creates one outbox row per event and active subscription that wants it, and wakes the in-process dispatcher.
/// </summary>
/// <remarks>
/// Rows are keyed by subscription and event (see <see cref="OutboxStore"/>), so writing the same events again,
/// as happens when a registry event is applied twice, creates nothing new. A storage failure propagates, so the
/// caller fails and is repeated: the image store leaves the registry event pending, and the drain applies it again.
/// </remarks>
public sealed partial class OutboxWriter
{
    private readonly ISubscriptionStore _subscriptions;
    private readonly IOutboxStore _outbox;
    private readonly OutboxSignal _signal;
    private readonly PortusMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly IOptionsMonitor<OutboxOptions> _options;
    private readonly ILogger<OutboxWriter> _logger;

    /// <summary>Creates the writer.</summary>
    public OutboxWriter(
        ISubscriptionStore subscriptions,
        IOutboxStore outbox,
        OutboxSignal signal,
        PortusMetrics metrics,
        TimeProvider clock,
        IOptionsMonitor<OutboxOptions> options,
        ILogger<OutboxWriter> logger)
    {
        _subscriptions = subscriptions;
        _outbox = outbox;
        _signal = signal;
        _metrics = metrics;
        _clock = clock;
        _options = options;
        _logger = logger;
    }

    /// <summary>Creates the deliveries of <paramref name="events"/>; returns how many rows were new.</summary>
    /// <exception cref="Storage.StorageUnavailableException">Storage cannot be reached.</exception>
    public async Task<int> WriteAsync(IReadOnlyList<WebhookEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);

        if (events.Count == 0)
        {
            return 0;
        }

        var subscriptions = (await _subscriptions.ListRecentAsync(cancellationToken).ConfigureAwait(false))
            .Where(subscription => subscription.IsActive)
            .ToList();
        var eventSource = _options.CurrentValue.EventSource;
        var now = _clock.GetUtcNow();
        int created = 0, existing = 0;
        foreach (var webhookEvent in events)
        {
            foreach (var subscription in subscriptions.Where(subscription => subscription.Wants(webhookEvent)))
            {
                var delivery = CreateDelivery(webhookEvent, subscription, eventSource, now);
                if (await _outbox.TryAddAsync(delivery, cancellationToken).ConfigureAwait(false))
                {
                    created++;
                    LogCreated(subscription.Id, delivery.DeliveryId, webhookEvent.Type, webhookEvent.Subject, webhookEvent.Version.Source);
                }
                else
                {
                    existing++;
                }
            }
        }

        if (existing > 0)
        {
            LogExisting(existing);
        }

        if (created > 0)
        {
            _metrics.WebhookDeliveriesCreated.Add(created);
            _signal.Notify();
        }

        return created;
    }

    /// <summary>Returns the delivery of <paramref name="webhookEvent"/> to <paramref name="subscription"/>.</summary>
    public static DeliveryRecord CreateDelivery(WebhookEvent webhookEvent, Subscription subscription, string eventSource, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(webhookEvent);
        ArgumentNullException.ThrowIfNull(subscription);

        return new DeliveryRecord
        {
            SubscriptionId = subscription.Id,
            RowKey = OutboxStore.RowKeyFor(webhookEvent),
            DeliveryId = WebhookEvent.HashId(subscription.Id + "\n" + webhookEvent.Id),
            EventId = webhookEvent.Id,
            EventType = webhookEvent.Type,
            Repository = webhookEvent.Repository,
            Subject = webhookEvent.Subject,
            ChangeTime = webhookEvent.Version.Time,
            CreatedAt = now,
            Body = PayloadWriter.Write(webhookEvent, subscription, eventSource),
            ContentType = PayloadWriter.ContentType(subscription.Format),
        };
    }

    [LoggerMessage(EventId = 6101, Level = LogLevel.Debug, Message = "Delivery {DeliveryId} of {EventType} for {Subject} created for subscription {SubscriptionId} (source {Source})")]
    private partial void LogCreated(string subscriptionId, string deliveryId, string eventType, string subject, string source);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Information, Message = "{Existing} deliveries already existed: the same changes were reported again")]
    private partial void LogExisting(int existing);
}
