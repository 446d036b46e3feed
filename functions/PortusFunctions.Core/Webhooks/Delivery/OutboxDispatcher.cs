using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortusFunctions.Diagnostics;
using PortusFunctions.Jobs;
using PortusFunctions.Storage;
using PortusFunctions.Webhooks.Outbox;
using PortusFunctions.Webhooks.Subscriptions;

namespace PortusFunctions.Webhooks.Delivery;

/// <summary>One pass of the outbox dispatcher.</summary>
public interface IOutboxDispatcher
{
    /// <summary>Sends the pending deliveries that are due, within <c>Outbox__TimeBudget</c>.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached; the next run tries again.</exception>
    Task<DispatchResult> RunAsync(CancellationToken cancellationToken);
}

/// <summary>Counts of one dispatcher run.</summary>
/// <param name="Delivered">Deliveries the targets accepted.</param>
/// <param name="Retried">Attempts that failed and left their delivery pending for a later attempt.</param>
/// <param name="Failed">Deliveries marked failed: attempts used up, or 410 Gone.</param>
/// <param name="Disabled">Subscriptions disabled after a 410 Gone.</param>
/// <param name="NextDueAt">Earliest time a delivery held back by its backoff is due, or null when none waits.</param>
public sealed record DispatchResult(int Delivered, int Retried, int Failed, int Disabled, DateTimeOffset? NextDueAt);

/// <summary>
/// Sends pending deliveries: for each active subscription, its pending deliveries one at a time in row key order,
/// which is the order of the changes.
/// </summary>
/// <remarks>
/// <para>A pending delivery that waits for its next attempt holds back the later deliveries of its subscription
/// until it is delivered or failed for good; other subscriptions go on, up to <c>Outbox__MaxConcurrency</c> in
/// parallel.</para>
/// <para>Before an attempt, the dispatcher claims the row: an update guarded by the ETag it read, which counts the
/// attempt and records the owner and an expiry. Another worker that read the same row gets 412 and leaves the
/// subscription, so two workers never send the same attempt. A claim that is not completed, because the process
/// stopped, expires after the request timeout plus <see cref="ClaimMargin"/>, and the delivery is attempted again.
/// </para>
/// <para>Runs in one process wait for each other; runs in different processes share the work through claims.</para>
/// </remarks>
public sealed partial class OutboxDispatcher : IOutboxDispatcher, IDisposable
{
    /// <summary>Time a claim lasts beyond the request timeout, for the writes before and after the request.</summary>
    public static readonly TimeSpan ClaimMargin = TimeSpan.FromSeconds(30);

    private const int PageSize = 50;
    private static readonly TimeSpan SweepInterval = TimeSpan.FromHours(1);

    private readonly ISubscriptionStore _subscriptions;
    private readonly IOutboxStore _outbox;
    private readonly WebhookSender _sender;
    private readonly PortusMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly IOptionsMonitor<OutboxOptions> _options;
    private readonly ILogger<OutboxDispatcher> _logger;
    private readonly SemaphoreSlim _runLock = new(1, 1);
    private DateTimeOffset _lastSweep = DateTimeOffset.MinValue;

    /// <summary>Creates the dispatcher.</summary>
    public OutboxDispatcher(
        ISubscriptionStore subscriptions,
        IOutboxStore outbox,
        WebhookSender sender,
        PortusMetrics metrics,
        TimeProvider clock,
        IOptionsMonitor<OutboxOptions> options,
        ILogger<OutboxDispatcher> logger)
    {
        _subscriptions = subscriptions;
        _outbox = outbox;
        _sender = sender;
        _metrics = metrics;
        _clock = clock;
        _options = options;
        _logger = logger;
    }

    /// <inheritdoc/>
    public async Task<DispatchResult> RunAsync(CancellationToken cancellationToken)
    {
        await _runLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var options = _options.CurrentValue;
            var started = _clock.GetUtcNow();
            var run = new RunState(started + options.TimeBudget, options);
            var subscriptions = (await _subscriptions.ListAsync(cancellationToken).ConfigureAwait(false))
                .Where(subscription => subscription.IsActive)
                .ToList();

            var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrency, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(subscriptions, parallel, (subscription, token) => new ValueTask(DrainGuardedAsync(subscription, run, token)))
                .ConfigureAwait(false);

            await SweepIfDueAsync(started, options, cancellationToken).ConfigureAwait(false);

            var result = new DispatchResult(run.Delivered, run.Retried, run.Failed, run.Disabled, run.NextDueAt);
            if (result.Delivered + result.Retried + result.Failed > 0)
            {
                LogRun(result.Delivered, result.Retried, result.Failed, result.Disabled, subscriptions.Count);
            }

            return result;
        }
        finally
        {
            _runLock.Release();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _runLock.Dispose();

    private async Task DrainGuardedAsync(Subscription subscription, RunState run, CancellationToken cancellationToken)
    {
        try
        {
            await DrainAsync(subscription, run, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // One subscription's failure, such as a storage error on its partition, does not stop the others.
            LogSubscriptionFailed(exception, subscription.Id);
        }
    }

    private async Task DrainAsync(Subscription subscription, RunState run, CancellationToken cancellationToken)
    {
        while (true)
        {
            var pending = await _outbox.ReadPendingAsync(subscription.Id, PageSize, cancellationToken).ConfigureAwait(false);
            foreach (var delivery in pending)
            {
                var now = _clock.GetUtcNow();
                if (now >= run.Deadline || delivery.ClaimedUntil > now)
                {
                    // Out of time, or another worker is sending this delivery: later ones must wait for it.
                    return;
                }

                if (delivery.NextAttemptAt is { } due && due > now)
                {
                    run.ReportDue(due);
                    return;
                }

                var claimUntil = now + run.Options.RequestTimeout + ClaimMargin;
                if (!await _outbox.TryClaimAsync(delivery, JobLeases.ProcessOwner, claimUntil, now, cancellationToken).ConfigureAwait(false))
                {
                    LogClaimLost(subscription.Id, delivery.DeliveryId);
                    return;
                }

                var outcome = await _sender.SendAsync(subscription, delivery, cancellationToken).ConfigureAwait(false);
                LogAttempt(subscription.Id, delivery.DeliveryId, delivery.EventType, delivery.Attempts, outcome.StatusCode, (long)outcome.Elapsed.TotalMilliseconds);
                _metrics.WebhookAttemptDuration.Record(outcome.Elapsed.TotalSeconds);
                if (!await RecordOutcomeAsync(subscription, delivery, outcome, run, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }

            if (pending.Count < PageSize)
            {
                return;
            }
        }
    }

    /// <summary>Stores the outcome of an attempt; returns whether the subscription's next delivery may be sent now.</summary>
    private async Task<bool> RecordOutcomeAsync(
        Subscription subscription,
        DeliveryRecord delivery,
        SendOutcome outcome,
        RunState run,
        CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        delivery.ClaimedBy = null;
        delivery.ClaimedUntil = null;
        delivery.LastStatusCode = outcome.StatusCode;
        delivery.LastError = outcome.Error;
        if (outcome.Blocked)
        {
            LogBlocked(subscription.Id, delivery.DeliveryId, outcome.Error!);
        }

        string result;
        if (outcome.IsSuccess)
        {
            delivery.Status = DeliveryStatus.Delivered;
            delivery.DeliveredAt = now;
            result = "delivered";
        }
        else if (outcome.IsGone)
        {
            delivery.Status = DeliveryStatus.Failed;
            delivery.LastError = $"{outcome.Error} (410 Gone disables the subscription)";
            result = "disabled";
        }
        else if (delivery.Attempts >= run.Options.MaxAttempts)
        {
            delivery.Status = DeliveryStatus.Failed;
            result = "failed";
        }
        else
        {
            var delay = Backoff.Next(delivery.Attempts, run.Options.InitialBackoff, run.Options.MaxBackoff, Random.Shared.NextDouble(), outcome.RetryAfter);
            delivery.NextAttemptAt = now + delay;
            result = "retried";
        }

        if (!await _outbox.TrySaveAsync(delivery, cancellationToken).ConfigureAwait(false))
        {
            LogClaimLost(subscription.Id, delivery.DeliveryId);
            return false;
        }

        _metrics.WebhookAttempts.Add(1, new KeyValuePair<string, object?>("outcome", result));
        switch (result)
        {
            case "delivered":
                run.CountDelivered();
                return true;
            case "disabled":
                await DisableAsync(subscription, delivery, now, cancellationToken).ConfigureAwait(false);
                run.CountDisabled();
                return false;
            case "failed":
                LogFailed(subscription.Id, delivery.DeliveryId, delivery.Attempts, outcome.Error ?? "");
                run.CountFailed();
                return true;
            default:
                LogRetry(subscription.Id, delivery.DeliveryId, delivery.Attempts, run.Options.MaxAttempts, outcome.Error ?? "", delivery.NextAttemptAt!.Value);
                run.CountRetried(delivery.NextAttemptAt!.Value);
                return false;
        }
    }

    private async Task DisableAsync(Subscription subscription, DeliveryRecord delivery, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var reason = $"The target returned 410 Gone to delivery {delivery.DeliveryId} at {now:O}.";
        await _subscriptions.DisableAsync(subscription.Id, reason, now, cancellationToken).ConfigureAwait(false);
        _metrics.WebhookSubscriptionsDisabled.Add(1);
        LogDisabled(subscription.Id, delivery.DeliveryId);
    }

    private async Task SweepIfDueAsync(DateTimeOffset now, OutboxOptions options, CancellationToken cancellationToken)
    {
        if (now - _lastSweep < SweepInterval)
        {
            return;
        }

        _lastSweep = now;
        var removed = await _outbox.DeleteCreatedBeforeAsync(now - options.Retention, cancellationToken).ConfigureAwait(false);
        if (removed > 0)
        {
            LogSwept(removed, options.Retention);
        }
    }

    [LoggerMessage(EventId = 6201, Level = LogLevel.Information, Message = "Delivery {DeliveryId} ({EventType}) to subscription {SubscriptionId}: attempt {Attempt} returned status {StatusCode} in {ElapsedMilliseconds} ms")]
    private partial void LogAttempt(string subscriptionId, string deliveryId, string eventType, int attempt, int? statusCode, long elapsedMilliseconds);

    [LoggerMessage(EventId = 6202, Level = LogLevel.Warning, Message = "Delivery {DeliveryId} to subscription {SubscriptionId} failed on attempt {Attempt} of {MaxAttempts} ({Reason}); next attempt at {NextAttemptAt:O}")]
    private partial void LogRetry(string subscriptionId, string deliveryId, int attempt, int maxAttempts, string reason, DateTimeOffset nextAttemptAt);

    [LoggerMessage(EventId = 6203, Level = LogLevel.Warning, Message = "Delivery {DeliveryId} to subscription {SubscriptionId} failed for good after {Attempts} attempts: {Reason}")]
    private partial void LogFailed(string subscriptionId, string deliveryId, int attempts, string reason);

    [LoggerMessage(EventId = 6204, Level = LogLevel.Warning, Message = "Subscription {SubscriptionId} disabled: its target returned 410 Gone to delivery {DeliveryId}")]
    private partial void LogDisabled(string subscriptionId, string deliveryId);

    [LoggerMessage(EventId = 6205, Level = LogLevel.Warning, Message = "Delivery {DeliveryId} to subscription {SubscriptionId} not sent: {Reason}")]
    private partial void LogBlocked(string subscriptionId, string deliveryId, string reason);

    [LoggerMessage(EventId = 6206, Level = LogLevel.Debug, Message = "Delivery {DeliveryId} of subscription {SubscriptionId} was claimed by another worker; the subscription is left to it")]
    private partial void LogClaimLost(string subscriptionId, string deliveryId);

    [LoggerMessage(EventId = 6207, Level = LogLevel.Information, Message = "Outbox dispatch: {Delivered} delivered, {Retried} retried later, {Failed} failed, {Disabled} subscriptions disabled, over {Subscriptions} active subscriptions")]
    private partial void LogRun(int delivered, int retried, int failed, int disabled, int subscriptions);

    [LoggerMessage(EventId = 6208, Level = LogLevel.Error, Message = "Outbox dispatch for subscription {SubscriptionId} stopped; the next run continues")]
    private partial void LogSubscriptionFailed(Exception exception, string subscriptionId);

    [LoggerMessage(EventId = 6209, Level = LogLevel.Information, Message = "Outbox retention: {Removed} deliveries older than {Retention} removed")]
    private partial void LogSwept(int removed, TimeSpan retention);

    /// <summary>Deadline and counters of one run, shared by the parallel subscription passes.</summary>
    private sealed class RunState(DateTimeOffset deadline, OutboxOptions options)
    {
        private readonly Lock _lock = new();
        private int _delivered;
        private int _retried;
        private int _failed;
        private int _disabled;

        public DateTimeOffset Deadline { get; } = deadline;

        public OutboxOptions Options { get; } = options;

        public DateTimeOffset? NextDueAt { get; private set; }

        public int Delivered => _delivered;

        public int Retried => _retried;

        public int Failed => _failed;

        public int Disabled => _disabled;

        public void CountDelivered() => Interlocked.Increment(ref _delivered);

        public void CountFailed() => Interlocked.Increment(ref _failed);

        public void CountDisabled()
        {
            Interlocked.Increment(ref _disabled);
            Interlocked.Increment(ref _failed);
        }

        public void CountRetried(DateTimeOffset due)
        {
            Interlocked.Increment(ref _retried);
            ReportDue(due);
        }

        public void ReportDue(DateTimeOffset due)
        {
            lock (_lock)
            {
                if (NextDueAt is null || due < NextDueAt)
                {
                    NextDueAt = due;
                }
            }
        }
    }
}
