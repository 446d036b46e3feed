using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortusFunctions.Diagnostics;
using PortusFunctions.Images;
using PortusFunctions.Jobs;
using PortusFunctions.Registry;
using PortusFunctions.Storage;

namespace PortusFunctions.Sync;

/// <summary>
/// <see cref="ISyncService"/>: takes the lease of job <c>sync</c>, keeps the run row and the state row, and runs
/// <see cref="SyncRun"/> within the time budget.
/// </summary>
public sealed partial class SyncService : ISyncService
{
    /// <summary>Job name of the lease, the run rows and the state row.</summary>
    public const string JobName = "sync";

    /// <summary>
    /// Maximum budget of a run started by <c>POST /api/sync</c>, which must respond within the 230 s an Azure HTTP
    /// trigger may take. At the deadline the run cancels its registry requests, so what remains is storage work:
    /// committing what it read and saving its cursor. The next runs continue from that cursor.
    /// </summary>
    public static readonly TimeSpan ManualTimeBudget = TimeSpan.FromSeconds(180);

    private readonly IOptions<SyncOptions> _options;
    private readonly IOptions<RegistryOptions> _registry;
    private readonly JobLeases _leases;
    private readonly JobRunStore _runs;
    private readonly SyncPendingStore _pending;
    private readonly SyncStoreReader _reader;
    private readonly IImageStore _images;
    private readonly RegistryClient _client;
    private readonly PortusMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly ILogger<SyncService> _logger;

    /// <summary>Creates the service.</summary>
    public SyncService(
        IOptions<SyncOptions> options,
        IOptions<RegistryOptions> registry,
        JobLeases leases,
        JobRunStore runs,
        SyncPendingStore pending,
        SyncStoreReader reader,
        IImageStore images,
        RegistryClient client,
        PortusMetrics metrics,
        TimeProvider clock,
        ILogger<SyncService> logger)
    {
        _options = options;
        _registry = registry;
        _leases = leases;
        _runs = runs;
        _pending = pending;
        _reader = reader;
        _images = images;
        _client = client;
        _metrics = metrics;
        _clock = clock;
        _logger = logger;
    }

    /// <inheritdoc/>
    public async Task<SyncRunResult> RunAsync(SyncTrigger trigger, bool confirmDeletes, CancellationToken cancellationToken)
    {
        var options = _options.Value;
        var strategy = options.ParsedStrategy;
        if (strategy == SyncStrategy.Disabled)
        {
            return new SyncRunResult(SyncOutcome.Disabled, "Sync__Strategy is disabled, so the sync does nothing.", null);
        }

        if (!_registry.Value.IsConfigured)
        {
            return new SyncRunResult(SyncOutcome.NotConfigured, "Registry__Url is empty, so there is no registry to read.", null);
        }

        if (trigger == SyncTrigger.Schedule && strategy == SyncStrategy.Initial && !confirmDeletes)
        {
            var state = SyncState.From(await _runs.ReadStateAsync(JobName, cancellationToken).ConfigureAwait(false));
            if (state.InitialImportFinishedAt is { } finished && state.ApplyingPassId is null)
            {
                LogInitialImportFinished(finished);
                return new SyncRunResult(SyncOutcome.NothingToDo, $"The initial import finished at {finished:O}; nothing else is due.", null);
            }
        }

        var lease = await _leases.TryAcquireAsync(JobName, options.LeaseDuration, cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            LogSkipped(trigger);
            return new SyncRunResult(SyncOutcome.Skipped, "Another sync run holds the lease; this one did nothing.", null);
        }

        await using (lease.ConfigureAwait(false))
        {
            using var leaseLost = new CancellationTokenSource();
            using var runToken = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, leaseLost.Token);
            using var stopRenewal = new CancellationTokenSource();
            var renewal = RenewAsync(lease, options.LeaseDuration, leaseLost, stopRenewal.Token);
            try
            {
                return await ExecuteAsync(trigger, confirmDeletes, options, leaseLost.Token, runToken.Token).ConfigureAwait(false);
            }
            finally
            {
                await stopRenewal.CancelAsync().ConfigureAwait(false);
                await renewal.ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    public async Task<SyncStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        var state = SyncState.From(await _runs.ReadStateAsync(JobName, cancellationToken).ConfigureAwait(false));
        var runs = await _runs.RecentRunsAsync(JobName, 1, cancellationToken).ConfigureAwait(false);
        return new SyncStatus(SyncStrategies.NameOf(_options.Value.ParsedStrategy), runs.Count > 0 ? runs[0] : null, state);
    }

    private async Task<SyncRunResult> ExecuteAsync(
        SyncTrigger trigger,
        bool confirmDeletes,
        SyncOptions options,
        CancellationToken leaseLost,
        CancellationToken cancellationToken)
    {
        var started = _clock.GetUtcNow();
        await MarkInterruptedRunAsync(cancellationToken).ConfigureAwait(false);
        var state = SyncState.From(await _runs.ReadStateAsync(JobName, cancellationToken).ConfigureAwait(false));
        var run = new JobRun { Job = JobName, RunId = SyncIds.New(started), StartedAt = started };
        var strategy = SyncStrategies.NameOf(options.ParsedStrategy);
        run.Properties["Strategy"] = strategy;
        run.Properties["Trigger"] = trigger == SyncTrigger.Manual ? "manual" : "schedule";
        run.Properties["StartCursor"] = state.Cursor ?? "";
        run.Cursor = state.Cursor;
        await _runs.SaveRunAsync(run, cancellationToken).ConfigureAwait(false);
        LogStarted(run.RunId, strategy, state.Cursor ?? "");

        var budget = trigger == SyncTrigger.Manual && options.TimeBudget > ManualTimeBudget ? ManualTimeBudget : options.TimeBudget;
        var concurrency = _registry.Value.MaxConcurrency;
        using var gate = new SemaphoreSlim(concurrency, concurrency);
        var settings = new SyncRunSettings(options.ParsedStrategy, started + budget, options.SettleMargin, options.DeleteGuardRatio, concurrency);
        var services = new SyncRunServices(_client, _images, _pending, _reader, _runs, gate, _clock);
        var counts = new SyncCounts();
        var work = new SyncRun(settings, services, state, run, counts, _logger);

        SyncOutcome outcome;
        try
        {
            outcome = await work.ExecuteAsync(confirmDeletes, trigger, cancellationToken).ConfigureAwait(false);
            run.Message = work.Message;
        }
        catch (Exception exception) when (exception is RegistryException or StorageUnavailableException
            || (exception is OperationCanceledException && leaseLost.IsCancellationRequested))
        {
            outcome = SyncOutcome.Failed;
            run.Message = exception is OperationCanceledException
                ? "The run lost its lease to another run and stopped; the next run continues from the saved cursor."
                : $"{exception.Message} Nothing was deleted in this run; the next run continues from cursor '{state.Cursor}'.";
            LogFailed(exception, run.RunId, exception.Message);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // An unexpected failure still ends the run row, so the status does not show a run that died.
            run.Status = JobRunStatus.Failed;
            run.FinishedAt = _clock.GetUtcNow();
            run.Message = $"The run failed unexpectedly: {exception.Message}";
            counts.CopyTo(run);
            await SaveFinalRunAsync(run).ConfigureAwait(false);
            LogFailed(exception, run.RunId, exception.Message);
            throw;
        }

        run.Status = outcome switch
        {
            SyncOutcome.Completed => JobRunStatus.Completed,
            SyncOutcome.Paused => JobRunStatus.Paused,
            SyncOutcome.Held => JobRunStatus.Blocked,
            _ => JobRunStatus.Failed,
        };
        run.FinishedAt = _clock.GetUtcNow();
        run.Cursor = state.PassId is null ? null : state.Cursor;
        counts.CopyTo(run);
        await SaveFinalRunAsync(run).ConfigureAwait(false);
        RecordMetrics(run, counts);
        LogFinished(run.RunId, run.Status, counts.RepositoriesRead, counts.TagsRead, counts.Added, counts.Updated, counts.Deleted, counts.Skipped, counts.Errors, run.Cursor ?? "");
        return new SyncRunResult(outcome, run.Message ?? "", run);
    }

    /// <summary>Marks the newest run row failed when its status is still running, because its process stopped.</summary>
    private async Task MarkInterruptedRunAsync(CancellationToken cancellationToken)
    {
        var runs = await _runs.RecentRunsAsync(JobName, 1, cancellationToken).ConfigureAwait(false);
        if (runs is [{ Status: JobRunStatus.Running } interrupted])
        {
            interrupted.Status = JobRunStatus.Failed;
            interrupted.Message = "Interrupted: the process stopped before the run finished; the next run continued from its cursor.";
            await _runs.SaveRunAsync(interrupted, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SaveFinalRunAsync(JobRun run)
    {
        try
        {
            // The caller's token may be cancelled already; the row still records how the run ended.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _runs.SaveRunAsync(run, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is StorageUnavailableException or OperationCanceledException)
        {
            LogRunRowNotSaved(exception, run.RunId);
        }
    }

    private async Task RenewAsync(JobLease lease, TimeSpan duration, CancellationTokenSource lost, CancellationToken stop)
    {
        var interval = duration / 3;
        while (true)
        {
            try
            {
                await Task.Delay(interval, _clock, stop).ConfigureAwait(false);
                if (!await lease.RenewAsync(duration, stop).ConfigureAwait(false))
                {
                    LogLeaseLost();
                    await lost.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (StorageUnavailableException exception)
            {
                LogRenewFailed(exception);
            }
        }
    }

    private void RecordMetrics(JobRun run, SyncCounts counts)
    {
        var status = new KeyValuePair<string, object?>("status", run.Status);
        _metrics.SyncRuns.Add(1, status);
        _metrics.SyncDuration.Record(((run.FinishedAt ?? run.StartedAt) - run.StartedAt).TotalSeconds, status);
        _metrics.SyncErrors.Add(counts.Errors);
        _metrics.SyncTagsRead.Add(counts.TagsRead);
        _metrics.SyncChanges.Add(counts.Added, new KeyValuePair<string, object?>("change", "added"));
        _metrics.SyncChanges.Add(counts.Updated, new KeyValuePair<string, object?>("change", "updated"));
        _metrics.SyncChanges.Add(counts.Deleted, new KeyValuePair<string, object?>("change", "deleted"));
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Sync run {RunId} started with strategy {Strategy} at cursor '{Cursor}'")]
    private partial void LogStarted(string runId, string strategy, string cursor);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Sync run ({Trigger}) skipped: another run holds the lease")]
    private partial void LogSkipped(SyncTrigger trigger);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "Sync run {RunId} {Status}: {RepositoriesRead} repositories and {TagsRead} tags read, {Added} added, {Updated} updated, {Deleted} deleted, {Skipped} skipped, {Errors} errors; cursor '{Cursor}'")]
    private partial void LogFinished(string runId, string status, long repositoriesRead, long tagsRead, long added, long updated, long deleted, long skipped, long errors, string cursor);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Error, Message = "Sync run {RunId} failed: {Reason}")]
    private partial void LogFailed(Exception exception, string runId, string reason);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Debug, Message = "The initial import finished at {FinishedAt}; the scheduled sync has nothing to do")]
    private partial void LogInitialImportFinished(DateTimeOffset finishedAt);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Error, Message = "Sync run lost its lease to another owner; it stops")]
    private partial void LogLeaseLost();

    [LoggerMessage(EventId = 3107, Level = LogLevel.Warning, Message = "The sync lease could not be renewed; the next attempt follows")]
    private partial void LogRenewFailed(Exception exception);

    [LoggerMessage(EventId = 3108, Level = LogLevel.Warning, Message = "The row of sync run {RunId} could not be saved")]
    private partial void LogRunRowNotSaved(Exception exception, string runId);
}
