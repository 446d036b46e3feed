using System.Diagnostics.Metrics;

namespace PortusFunctions.Diagnostics;

/// <summary>
/// The app's OpenTelemetry instruments, on the meter <see cref="MeterName"/>.
/// </summary>
public sealed class PortusMetrics : IDisposable
{
    /// <summary>Name of the meter that exporters subscribe to.</summary>
    public const string MeterName = "PortusFunctions";

    private readonly Meter _meter;
    private long _scansPending;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public PortusMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);

        _meter = meterFactory.Create(MeterName);
        EventsReceived = _meter.CreateCounter<long>("portus.events.received", "{event}", "Registry events received by the webhook.");
        EventsApplied = _meter.CreateCounter<long>("portus.events.applied", "{event}", "Registry events applied to the store.");
        EventsIgnored = _meter.CreateCounter<long>("portus.events.ignored", "{event}", "Registry events counted and not stored, or stored without effect.");
        EventsQuarantined = _meter.CreateCounter<long>("portus.events.quarantined", "{event}", "Registry events that could not be applied.");
        InboxLag = _meter.CreateHistogram<double>("portus.inbox.lag", "s", "Time from storing an event in the inbox to applying it.");
        ScansCompleted = _meter.CreateCounter<long>("portus.scans.completed", "{scan}", "Scans that stored a vulnerability report.");
        ScansFailed = _meter.CreateCounter<long>("portus.scans.failed", "{scan}", "Scans that failed, including those that exhausted their retries.");
        ScanDuration = _meter.CreateHistogram<double>("portus.scan.duration", "s", "Time from claiming a digest to storing its outcome.");
        WebhookDeliveriesCreated = _meter.CreateCounter<long>("portus.webhooks.deliveries.created", "{delivery}", "Outgoing webhook deliveries created in the outbox.");
        WebhookAttempts = _meter.CreateCounter<long>("portus.webhooks.attempts", "{attempt}", "Outgoing webhook delivery attempts, by outcome: delivered, retried, failed or disabled.");
        WebhookAttemptDuration = _meter.CreateHistogram<double>("portus.webhooks.attempt.duration", "s", "Time an outgoing webhook attempt took, until the response headers or the failure.");
        WebhookSubscriptionsDisabled = _meter.CreateCounter<long>("portus.webhooks.subscriptions.disabled", "{subscription}", "Webhook subscriptions disabled because the target answered 410 Gone.");
        SyncRuns = _meter.CreateCounter<long>("portus.sync.runs", "{run}", "Catalog sync runs, by final status.");
        SyncTagsRead = _meter.CreateCounter<long>("portus.sync.tags.read", "{tag}", "Tags listed by the registry during catalog sync runs.");
        SyncChanges = _meter.CreateCounter<long>("portus.sync.changes", "{change}", "Tags, manifests and repositories the catalog sync added, updated or deleted.");
        SyncErrors = _meter.CreateCounter<long>("portus.sync.errors", "{error}", "Tags and repositories a catalog sync run could not read.");
        SyncDuration = _meter.CreateHistogram<double>("portus.sync.duration", "s", "Duration of catalog sync runs, by final status.");
        _meter.CreateObservableGauge("portus.scans.pending", () => Interlocked.Read(ref _scansPending), "{digest}", "Digests waiting for a scan or a retry at the end of the last scan run.");
    }

    /// <summary>Registry events received, by disposition.</summary>
    public Counter<long> EventsReceived { get; }

    /// <summary>Registry events applied.</summary>
    public Counter<long> EventsApplied { get; }

    /// <summary>Registry events ignored.</summary>
    public Counter<long> EventsIgnored { get; }

    /// <summary>Registry events quarantined.</summary>
    public Counter<long> EventsQuarantined { get; }

    /// <summary>Seconds between storing and applying an event.</summary>
    public Histogram<double> InboxLag { get; }

    /// <summary>Scans that stored a report, tagged with the scanner kind.</summary>
    public Counter<long> ScansCompleted { get; }

    /// <summary>Scans that failed, tagged with the scanner kind.</summary>
    public Counter<long> ScansFailed { get; }

    /// <summary>Seconds from claim to stored outcome of one scan.</summary>
    public Histogram<double> ScanDuration { get; }

    /// <summary>Outgoing webhook deliveries created.</summary>
    public Counter<long> WebhookDeliveriesCreated { get; }

    /// <summary>Outgoing webhook attempts, tagged with <c>outcome</c>.</summary>
    public Counter<long> WebhookAttempts { get; }

    /// <summary>Seconds an outgoing webhook attempt took.</summary>
    public Histogram<double> WebhookAttemptDuration { get; }

    /// <summary>Subscriptions disabled after a 410 Gone.</summary>
    public Counter<long> WebhookSubscriptionsDisabled { get; }
    /// <summary>Catalog sync runs, tagged with <c>status</c>.</summary>
    public Counter<long> SyncRuns { get; }

    /// <summary>Tags the catalog sync listed.</summary>
    public Counter<long> SyncTagsRead { get; }

    /// <summary>Changes the catalog sync applied, tagged with <c>change</c>: added, updated or deleted.</summary>
    public Counter<long> SyncChanges { get; }

    /// <summary>Tags and repositories a sync run could not read.</summary>
    public Counter<long> SyncErrors { get; }

    /// <summary>Seconds a sync run took, tagged with its status.</summary>
    public Histogram<double> SyncDuration { get; }

    /// <summary>Records how many digests wait for a scan or a retry, which <c>portus.scans.pending</c> reports.</summary>
    public void RecordScansPending(long count) => Interlocked.Exchange(ref _scansPending, count);

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();
}
