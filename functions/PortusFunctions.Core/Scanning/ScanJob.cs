using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortusFunctions.Hosting;
using PortusFunctions.Diagnostics;
using PortusFunctions.Images;
using PortusFunctions.Jobs;
using PortusFunctions.Storage;

namespace PortusFunctions.Scanning;

/// <summary>The scan job as the function app's timer trigger calls it.</summary>
public interface IScanJob : IScheduledJob
{
    /// <summary>Runs one pass and returns its run row, or null when the job did not run (no scanner, or another run holds the lease).</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    Task<JobRun?> RunOnceAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Makes sure that every visible manifest has a current vulnerability report from the configured scanner.
/// </summary>
/// <remarks>
/// <para>A run takes the job's lease, reads the scanner's metadata (a scanner that cannot be reached ends the run
/// before any digest is touched), lists the visible manifests of every repository, and creates a pending status row
/// for each digest that has none. That pass catches digests that no change observer reported.</para>
/// <para>It then scans single-platform manifests, at most <see cref="ScanOptions.Concurrency"/> at a time, in the
/// order pending, taken back, retried, rescanned; it claims new work only within <see cref="ScanOptions.TimeBudget"/>.
/// Last, it composes the reports of indexes whose platform manifests are settled. Counts and progress go to a run
/// row of job <c>scan</c>.</para>
/// </remarks>
public sealed partial class ScanJob : IScanJob
{
    /// <summary>Job name of the lease and the run rows.</summary>
    public const string JobName = "scan";

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    private readonly IScannerClient _client;
    private readonly ScanWorker _worker;
    private readonly IScanStore _store;
    private readonly IImageStore _images;
    private readonly JobLeases _leases;
    private readonly JobRunStore _runs;
    private readonly IReadOnlyList<IScanNotificationSink> _sinks;
    private readonly PortusMetrics _metrics;
    private readonly IOptions<ScanOptions> _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<ScanJob> _logger;
    private int _offLogged;

    /// <summary>Creates the job.</summary>
    public ScanJob(
        IScannerClient client,
        ScanWorker worker,
        IScanStore store,
        IImageStore images,
        JobLeases leases,
        JobRunStore runs,
        IEnumerable<IScanNotificationSink> sinks,
        PortusMetrics metrics,
        IOptions<ScanOptions> options,
        TimeProvider clock,
        ILogger<ScanJob> logger)
    {
        _sinks = [.. sinks];
        _metrics = metrics;
        _client = client;
        _worker = worker;
        _store = store;
        _images = images;
        _leases = leases;
        _runs = runs;
        _options = options;
        _clock = clock;
        _logger = logger;
    }

    /// <inheritdoc/>
    public string Name => "Scan";

    /// <inheritdoc/>
    public string ScheduleSetting => "Scan:Schedule";

    /// <inheritdoc/>
    public string DefaultSchedule => new ScanOptions().Schedule;

    /// <inheritdoc/>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunOnceAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (StorageUnavailableException exception)
        {
            LogStorageUnavailable(exception);
        }
    }

    /// <inheritdoc/>
    public async Task<JobRun?> RunOnceAsync(CancellationToken cancellationToken)
    {
        var options = _options.Value;
        if (!options.IsEnabled)
        {
            if (Interlocked.Exchange(ref _offLogged, 1) == 0)
            {
                LogScannerOff();
            }

            return null;
        }

        var started = _clock.GetUtcNow();
        var leaseDuration = options.TimeBudget + options.ScanTimeout + TimeSpan.FromMinutes(1);
        await using var lease = await _leases.TryAcquireAsync(JobName, leaseDuration, cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            LogLeaseHeld();
            return null;
        }

        var run = new JobRun { Job = JobName, RunId = Guid.NewGuid().ToString("N"), StartedAt = started };
        run.Properties["Scanner"] = _client.Kind;
        using var progress = new RunProgress(run, _runs, _clock);
        await progress.SaveAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RunPassAsync(run, progress, lease.Owner, started + options.TimeBudget, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageUnavailableException exception)
        {
            run.Status = JobRunStatus.Failed;
            run.Message = exception.Message;
            throw;
        }
        finally
        {
            run.FinishedAt = _clock.GetUtcNow();
            if (run.Status == JobRunStatus.Running)
            {
                run.Status = JobRunStatus.Failed;
                run.Message ??= "The run stopped before it finished.";
            }

            await progress.TrySaveFinalAsync().ConfigureAwait(false);
            LogRunFinished(run.RunId, run.Status, run.Message ?? "");
        }

        return run;
    }

    private async Task RunPassAsync(JobRun run, RunProgress progress, string owner, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        ScannerInfo scanner;
        try
        {
            scanner = await _client.GetInfoAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ScannerUnavailableException exception)
        {
            run.Status = JobRunStatus.Failed;
            run.Message = $"No digest was scanned: {exception.Message}";
            LogScannerUnavailable(exception, _client.Kind);
            return;
        }

        run.Properties["ScannerName"] = scanner.Identity;
        run.Properties["DatabaseVersion"] = scanner.DatabaseVersion ?? "";
        var counters = progress.Counters;
        var candidates = await LoadCandidatesAsync(cancellationToken).ConfigureAwait(false);
        counters.Add(ScanCounters.Candidates, candidates.Count);
        var rows = await ReconcileAsync(candidates, counters, cancellationToken).ConfigureAwait(false);
        await progress.SaveAsync(cancellationToken).ConfigureAwait(false);

        await ScanManifestsAsync(candidates, rows, scanner, owner, deadline, progress, cancellationToken).ConfigureAwait(false);
        await ComposeIndexesAsync(candidates, rows, deadline, progress, cancellationToken).ConfigureAwait(false);
        var statuses = await _store.ListAsync(cancellationToken).ConfigureAwait(false);
        _metrics.RecordScansPending(statuses.Count(row => row.Status is ScanStatuses.Pending or ScanStatuses.InProgress or ScanStatuses.Failed));
        await AnnounceOutcomesAsync(statuses, candidates, counters, cancellationToken).ConfigureAwait(false);

        var deferred = counters.Get(ScanCounters.Deferred);
        run.Status = deferred > 0 ? JobRunStatus.Paused : JobRunStatus.Completed;
        run.Message = $"{counters.Get(ScanCounters.Completed)} reports stored, {counters.Get(ScanCounters.Failed)} scans failed, "
            + $"{counters.Get(ScanCounters.RetriesExhausted)} retries exhausted, {counters.Get(ScanCounters.Unsupported)} unsupported, "
            + $"{deferred} left for the next run.";
    }

    private async Task ScanManifestsAsync(
        Dictionary<string, ScanCandidate> candidates,
        Dictionary<string, ScanStatusRecord> rows,
        ScannerInfo scanner,
        string owner,
        DateTimeOffset deadline,
        RunProgress progress,
        CancellationToken cancellationToken)
    {
        var options = _options.Value;
        var now = _clock.GetUtcNow();
        var work = new List<(ScanStatusRecord Row, ScanCandidate Candidate, ScanDecision Decision)>();
        foreach (var candidate in candidates.Values.Where(candidate => !candidate.IsIndex))
        {
            if (!rows.TryGetValue(candidate.Digest, out var row))
            {
                continue;
            }

            var decision = ScanPlanner.Decide(row, candidate, scanner, now, options);
            if (decision.Action != ScanAction.None)
            {
                work.Add((row, candidate, decision));
            }
            else if (row.Status != ScanStatuses.InProgress && (row.OldGeneration is not null || row.PendingGeneration is not null))
            {
                await CleanUpAsync(row, progress.Counters, cancellationToken).ConfigureAwait(false);
            }
        }

        var ordered = work
            .OrderBy(item => Priority(item.Row.Status))
            .ThenBy(item => item.Row.CreatedAt ?? DateTimeOffset.MinValue)
            .ThenBy(item => item.Row.Digest, StringComparer.Ordinal)
            .ToList();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(ordered, parallel, async (item, token) =>
        {
            if (_clock.GetUtcNow() > deadline)
            {
                progress.Counters.Add(ScanCounters.Deferred);
                return;
            }

            switch (item.Decision.Action)
            {
                case ScanAction.Scan:
                    await _worker.ScanAsync(item.Row, item.Candidate, item.Decision, scanner, owner, progress.Counters, token).ConfigureAwait(false);
                    break;
                case ScanAction.MarkUnsupported:
                    await _worker.MarkAsync(item.Row, ScanStatuses.Unsupported, item.Decision.Reason, progress.Counters, token).ConfigureAwait(false);
                    break;
                case ScanAction.MarkExhausted:
                    await _worker.MarkAsync(item.Row, ScanStatuses.RetriesExhausted, item.Decision.Reason, progress.Counters, token).ConfigureAwait(false);
                    break;
            }

            await progress.SaveIfDueAsync(token).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    private async Task ComposeIndexesAsync(
        Dictionary<string, ScanCandidate> candidates,
        Dictionary<string, ScanStatusRecord> rows,
        DateTimeOffset deadline,
        RunProgress progress,
        CancellationToken cancellationToken)
    {
        foreach (var index in candidates.Values.Where(candidate => candidate.IsIndex).OrderBy(candidate => candidate.Digest, StringComparer.Ordinal))
        {
            if (!rows.ContainsKey(index.Digest))
            {
                continue;
            }

            if (_clock.GetUtcNow() > deadline)
            {
                progress.Counters.Add(ScanCounters.Deferred);
                continue;
            }

            // Both rows are read again: the first phase of this run, or another instance, may have changed them.
            var row = await _store.GetAsync(index.Digest, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                continue;
            }

            var children = await _store.GetManyAsync(index.Children.Select(child => child.Digest), cancellationToken).ConfigureAwait(false);
            var decision = ScanPlanner.DecideIndex(row, index, children);
            if (decision.Status is null)
            {
                if (row.Status != ScanStatuses.InProgress && (row.OldGeneration is not null || row.PendingGeneration is not null))
                {
                    await CleanUpAsync(row, progress.Counters, cancellationToken).ConfigureAwait(false);
                }

                continue;
            }

            await _worker.ComposeIndexAsync(row, decision, progress.Counters, cancellationToken).ConfigureAwait(false);
            await progress.SaveIfDueAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes findings a crashed run left behind and clears their names from the row.</summary>
    private async Task CleanUpAsync(ScanStatusRecord row, ScanCounters counters, CancellationToken cancellationToken)
    {
        await _worker.DeleteLeftoversAsync(row, counters, cancellationToken).ConfigureAwait(false);
        var cleaned = row.Copy();
        cleaned.OldGeneration = null;
        cleaned.PendingGeneration = null;
        await _store.TryReplaceAsync(cleaned, cancellationToken).ConfigureAwait(false);
    }

    private static int Priority(string status) => status switch
    {
        ScanStatuses.Pending => 0,
        ScanStatuses.InProgress => 1,
        ScanStatuses.Failed => 2,
        ScanStatuses.RetriesExhausted => 3,
        _ => 4,
    };

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "No scanner is configured (Scan__Scanner = none); the scan job does nothing")]
    private partial void LogScannerOff();

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "Scan run skipped: another run holds the lease")]
    private partial void LogLeaseHeld();

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Scan run stopped: the {Scanner} scanner is unavailable")]
    private partial void LogScannerUnavailable(Exception exception, string scanner);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Scan run {RunId} {Status}: {Summary}")]
    private partial void LogRunFinished(string runId, string status, string summary);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "Created {Count} missing scan status rows for visible manifests")]
    private partial void LogReconciled(long count);

    [LoggerMessage(EventId = 4040, Level = LogLevel.Error, Message = "Announcing the scan outcome of {Digest} failed; the next run announces it again")]
    private partial void LogAnnounceFailed(Exception exception, string digest);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Error, Message = "Scan run stopped: storage is unavailable")]
    private partial void LogStorageUnavailable(Exception exception);

    /// <summary>The run row of a run in progress, saved at most every few seconds while work goes on.</summary>
    private sealed class RunProgress : IDisposable
    {
        private readonly JobRun _run;
        private readonly JobRunStore _runs;
        private readonly TimeProvider _clock;
        private readonly SemaphoreSlim _gate = new(1, 1);
        private DateTimeOffset _lastSaved;

        public RunProgress(JobRun run, JobRunStore runs, TimeProvider clock)
        {
            _run = run;
            _runs = runs;
            _clock = clock;
        }

        public ScanCounters Counters { get; } = new();

        public void Dispose() => _gate.Dispose();

        public async Task SaveAsync(CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                foreach (var (name, value) in Counters.Snapshot())
                {
                    _run.Counts[name] = value;
                }

                await _runs.SaveRunAsync(_run, cancellationToken).ConfigureAwait(false);
                _lastSaved = _clock.GetUtcNow();
            }
            finally
            {
                _gate.Release();
            }
        }

        public Task SaveIfDueAsync(CancellationToken cancellationToken) =>
            _clock.GetUtcNow() - _lastSaved >= ProgressInterval ? SaveAsync(cancellationToken) : Task.CompletedTask;

        /// <summary>Saves the final row even when the run was cancelled; a storage outage leaves the last saved one.</summary>
        public async Task TrySaveFinalAsync()
        {
            try
            {
                await SaveAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (StorageUnavailableException)
            {
                // The row keeps its last progress; the outage is logged by the caller.
            }
        }
    }
}
