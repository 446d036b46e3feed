using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortusFunctions.Diagnostics;

namespace PortusFunctions.Scanning;

/// <summary>
/// Carries out the decisions of <see cref="ScanPlanner"/> for one digest: claims it with an ETag-guarded update,
/// scans it, and stores the outcome, or composes the report of an index from its platform manifests.
/// </summary>
/// <remarks>
/// A new report is written under a new generation key, then the status row is switched to it with the ETag of the
/// claim, then the previous generation is deleted. The status row names the generation being written
/// (<see cref="ScanStatusRecord.PendingGeneration"/>) and the one still to delete
/// (<see cref="ScanStatusRecord.OldGeneration"/>), so rows left by a crash are found and deleted by a later run.
/// When the switch finds that another run took the digest back, the new generation is deleted and the other run's
/// outcome is kept.
/// </remarks>
public sealed partial class ScanWorker
{
    private readonly IScannerClient _client;
    private readonly IScanStore _store;
    private readonly IOptions<ScanOptions> _options;
    private readonly PortusMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly ILogger<ScanWorker> _logger;

    /// <summary>Creates the worker.</summary>
    public ScanWorker(
        IScannerClient client,
        IScanStore store,
        IOptions<ScanOptions> options,
        PortusMetrics metrics,
        TimeProvider clock,
        ILogger<ScanWorker> logger)
    {
        _client = client;
        _store = store;
        _options = options;
        _metrics = metrics;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>Marks a digest unsupported or retries exhausted without scanning it.</summary>
    public async Task MarkAsync(ScanStatusRecord row, string status, string reason, ScanCounters counters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(counters);

        var marked = row.Copy();
        marked.Status = status;
        marked.Error = reason;
        marked.ClaimedBy = null;
        marked.ClaimedAt = null;
        marked.NextAttemptAt = null;
        if (await _store.TryReplaceAsync(marked, cancellationToken).ConfigureAwait(false) is null)
        {
            counters.Add(ScanCounters.ClaimsLost);
            return;
        }

        counters.Add(status == ScanStatuses.Unsupported ? ScanCounters.Unsupported : ScanCounters.RetriesExhausted);
        LogMarked(row.Digest, status, reason);
    }

    /// <summary>Claims a single-platform manifest, scans it and stores the outcome.</summary>
    /// <param name="row">The status row as read at the start of the run, with its ETag.</param>
    /// <param name="candidate">Where the manifest is visible.</param>
    /// <param name="decision">Why it is scanned.</param>
    /// <param name="scanner">The scanner as read at the start of the run.</param>
    /// <param name="owner">Owner id written in the claim.</param>
    /// <param name="counters">Counters of the run.</param>
    /// <param name="cancellationToken">Stops the scan; the claim is then taken back after the in-progress timeout.</param>
    public async Task ScanAsync(
        ScanStatusRecord row,
        ScanCandidate candidate,
        ScanDecision decision,
        ScannerInfo scanner,
        string owner,
        ScanCounters counters,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(scanner);
        ArgumentNullException.ThrowIfNull(counters);

        var options = _options.Value;
        var started = Stopwatch.GetTimestamp();
        var now = _clock.GetUtcNow();
        var claim = row.Copy();
        claim.Status = ScanStatuses.InProgress;
        claim.Attempts = (decision.ResetAttempts ? 0 : row.Attempts) + 1;
        claim.ClaimedBy = owner;
        claim.ClaimedAt = now;
        claim.LastAttemptAt = now;
        claim.LastAttemptScanner = scanner.Identity;
        claim.NextAttemptAt = null;
        claim.Repository = candidate.Repository;
        claim.MediaType = candidate.MediaType ?? row.MediaType;
        claim.ConfigMediaType = candidate.ConfigMediaType ?? row.ConfigMediaType;
        claim.PendingGeneration = ScanRows.NewGeneration(now);

        var claimed = await _store.TryReplaceAsync(claim, cancellationToken).ConfigureAwait(false);
        if (claimed is null)
        {
            counters.Add(ScanCounters.ClaimsLost);
            LogClaimLost(row.Digest);
            return;
        }

        counters.Add(ScanCounters.Claimed);
        LogClaimed(row.Digest, candidate.Repository, claimed.Attempts, decision.Reason);
        await DeleteLeftoversAsync(row, counters, cancellationToken).ConfigureAwait(false);
        claimed.OldGeneration = null;

        var target = new ScanTarget(candidate.Repository, candidate.Digest, candidate.Tag, candidate.MediaType);
        var result = await RunScannerAsync(target, scanner, options.ScanTimeout, cancellationToken).ConfigureAwait(false);
        var tags = new TagList { { "scanner", _client.Kind } };
        if (result.Report is { } report)
        {
            await CompleteAsync(claimed, report, scanner, counters, cancellationToken).ConfigureAwait(false);
            _metrics.ScansCompleted.Add(1, tags);
        }
        else if (result.IsUnsupported)
        {
            var unsupported = Finished(claimed);
            unsupported.Status = ScanStatuses.Unsupported;
            unsupported.Error = result.Error;
            unsupported.Attempts = 0;
            await StoreOutcomeAsync(unsupported, ScanCounters.Unsupported, counters, cancellationToken).ConfigureAwait(false);
            LogMarked(row.Digest, ScanStatuses.Unsupported, result.Error ?? "");
        }
        else
        {
            await FailAsync(claimed, result.Error ?? "The scan failed without a reason.", counters, cancellationToken).ConfigureAwait(false);
            _metrics.ScansFailed.Add(1, tags);
        }

        _metrics.ScanDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
    }

    /// <summary>
    /// Composes an index's state from its platform manifests as <see cref="ScanPlanner.DecideIndex"/> decided: the
    /// union of their findings, each with its platform, or the status of an index that has no report.
    /// </summary>
    public async Task ComposeIndexAsync(ScanStatusRecord row, IndexDecision decision, ScanCounters counters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(counters);

        if (decision.Status != ScanStatuses.Completed)
        {
            var marked = row.Copy();
            marked.Status = decision.Status!;
            marked.Error = decision.Reason;
            marked.ChildrenKey = decision.ChildrenKey;
            marked.NotificationPending = decision.Status == ScanStatuses.RetriesExhausted;
            var counter = decision.Status == ScanStatuses.Unsupported ? ScanCounters.Unsupported : ScanCounters.RetriesExhausted;
            await StoreOutcomeAsync(marked, counter, counters, cancellationToken).ConfigureAwait(false);
            LogMarked(row.Digest, marked.Status, decision.Reason);
            return;
        }

        var intent = row.Copy();
        intent.PendingGeneration = ScanRows.NewGeneration(_clock.GetUtcNow());
        var claimed = await _store.TryReplaceAsync(intent, cancellationToken).ConfigureAwait(false);
        if (claimed is null)
        {
            counters.Add(ScanCounters.ClaimsLost);
            return;
        }

        await DeleteLeftoversAsync(row, counters, cancellationToken).ConfigureAwait(false);
        claimed.OldGeneration = null;

        var findings = new List<Finding>();
        foreach (var (child, childRow) in decision.Completed)
        {
            var platform = string.IsNullOrEmpty(child.Platform) ? ScanPlanner.UnknownPlatform : child.Platform;
            var childFindings = await _store.ReadFindingsAsync(child.Digest, childRow.Generation!, cancellationToken).ConfigureAwait(false);
            findings.AddRange(childFindings.Select(finding => finding with { Platform = platform }));
        }

        var newest = decision.Completed.MaxBy(completed => completed.Row.GeneratedAt).Row;
        var report = new ScanReport(
            new ScannerInfo(newest.ScannerName ?? "", newest.ScannerVendor, newest.ScannerVersion, newest.DatabaseVersion, newest.DatabaseUpdatedAt),
            newest.GeneratedAt ?? _clock.GetUtcNow(),
            findings);
        claimed.ChildrenKey = decision.ChildrenKey;
        await CompleteAsync(claimed, report, report.Scanner, counters, cancellationToken).ConfigureAwait(false);
        counters.Add(ScanCounters.IndexesCompleted);
    }

    /// <summary>Deletes findings that an earlier run left behind for this row.</summary>
    public async Task DeleteLeftoversAsync(ScanStatusRecord row, ScanCounters counters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(counters);

        foreach (var generation in new[] { row.PendingGeneration, row.OldGeneration })
        {
            if (generation is not null && generation != row.Generation)
            {
                await _store.DeleteFindingsAsync(row.Digest, generation, cancellationToken).ConfigureAwait(false);
                counters.Add(ScanCounters.GenerationsDeleted);
            }
        }
    }

    /// <summary>Sorts findings most severe first, then by id, package and platform, the order they are stored in.</summary>
    public static List<Finding> Sort(IEnumerable<Finding> findings) =>
        [.. findings
            .OrderBy(finding => Severities.Rank(finding.Severity))
            .ThenBy(finding => finding.Id, StringComparer.Ordinal)
            .ThenBy(finding => finding.Package, StringComparer.Ordinal)
            .ThenBy(finding => finding.Platform, StringComparer.Ordinal)];

    private async Task<ScanResult> RunScannerAsync(ScanTarget target, ScannerInfo scanner, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, _clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await _client.ScanAsync(target, scanner, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return ScanResult.Failed($"The scan did not finish within Scan__ScanTimeout ({timeout}).");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogScannerError(exception, target.Digest);
            return ScanResult.Failed($"The scanner client failed: {exception.Message}");
        }
    }

    private async Task CompleteAsync(
        ScanStatusRecord claimed,
        ScanReport report,
        ScannerInfo scanner,
        ScanCounters counters,
        CancellationToken cancellationToken)
    {
        var findings = Sort(report.Findings);
        var generation = claimed.PendingGeneration!;
        await _store.WriteFindingsAsync(claimed.Digest, generation, findings, cancellationToken).ConfigureAwait(false);

        var completed = Finished(claimed);
        completed.Status = ScanStatuses.Completed;
        completed.Attempts = 0;
        completed.Error = null;
        completed.OldGeneration = claimed.Generation;
        completed.Generation = generation;
        completed.ScannerName = report.Scanner.Name;
        completed.ScannerVendor = report.Scanner.Vendor;
        completed.ScannerVersion = report.Scanner.Version;
        completed.DatabaseVersion = scanner.DatabaseVersion;
        completed.DatabaseUpdatedAt = scanner.DatabaseUpdatedAt;
        completed.GeneratedAt = report.GeneratedAt;
        completed.CompletedAt = _clock.GetUtcNow();
        completed.Counts = SeverityCounts.Of(findings);
        completed.NotificationPending = true;

        var stored = await _store.TryReplaceAsync(completed, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            // Another run took the digest back meanwhile, so its outcome is kept and this report is dropped.
            await _store.DeleteFindingsAsync(claimed.Digest, generation, cancellationToken).ConfigureAwait(false);
            counters.Add(ScanCounters.ClaimsLost);
            LogClaimLost(claimed.Digest);
            return;
        }

        counters.Add(ScanCounters.Completed);
        counters.Add(ScanCounters.Findings, findings.Count);
        var counts = completed.Counts;
        LogCompleted(claimed.Digest, findings.Count, counts.Critical, counts.High, counts.Medium, counts.Low);

        if (stored.OldGeneration is { } old)
        {
            await _store.DeleteFindingsAsync(stored.Digest, old, cancellationToken).ConfigureAwait(false);
            counters.Add(ScanCounters.GenerationsDeleted);
            var cleaned = stored.Copy();
            cleaned.OldGeneration = null;

            // A concurrent change wins; the next run then finds the generation gone.
            await _store.TryReplaceAsync(cleaned, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task FailAsync(ScanStatusRecord claimed, string error, ScanCounters counters, CancellationToken cancellationToken)
    {
        var options = _options.Value;
        var exhausted = claimed.Attempts >= options.MaxAttempts;
        var failed = Finished(claimed);
        failed.Status = exhausted ? ScanStatuses.RetriesExhausted : ScanStatuses.Failed;
        failed.Error = error;
        failed.NextAttemptAt = exhausted ? null : _clock.GetUtcNow() + options.BackoffAfter(claimed.Attempts);
        failed.NotificationPending = true;
        await StoreOutcomeAsync(failed, exhausted ? ScanCounters.RetriesExhausted : ScanCounters.Failed, counters, cancellationToken)
            .ConfigureAwait(false);
        LogFailed(claimed.Digest, claimed.Attempts, options.MaxAttempts, error);
    }

    private async Task StoreOutcomeAsync(ScanStatusRecord outcome, string counter, ScanCounters counters, CancellationToken cancellationToken)
    {
        if (await _store.TryReplaceAsync(outcome, cancellationToken).ConfigureAwait(false) is null)
        {
            counters.Add(ScanCounters.ClaimsLost);
            LogClaimLost(outcome.Digest);
            return;
        }

        counters.Add(counter);
    }

    /// <summary>Returns a copy of a claimed row without the claim and the generation it was writing.</summary>
    private static ScanStatusRecord Finished(ScanStatusRecord claimed)
    {
        var finished = claimed.Copy();
        finished.ClaimedBy = null;
        finished.ClaimedAt = null;
        finished.PendingGeneration = null;
        return finished;
    }

    [LoggerMessage(EventId = 4011, Level = LogLevel.Debug, Message = "Claimed {Digest} of {Repository} for attempt {Attempt}: {Reason}")]
    private partial void LogClaimed(string digest, string repository, int attempt, string reason);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Debug, Message = "Another run changed the scan status of {Digest} first; its outcome stands")]
    private partial void LogClaimLost(string digest);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Information, Message = "Scanned {Digest}: {Findings} findings, {Critical} critical, {High} high, {Medium} medium, {Low} low")]
    private partial void LogCompleted(string digest, int findings, int critical, int high, int medium, int low);

    [LoggerMessage(EventId = 4014, Level = LogLevel.Warning, Message = "Scan of {Digest} failed on attempt {Attempt} of {MaxAttempts}: {Error}")]
    private partial void LogFailed(string digest, int attempt, int maxAttempts, string error);

    [LoggerMessage(EventId = 4015, Level = LogLevel.Information, Message = "Marked {Digest} {Status}: {Reason}")]
    private partial void LogMarked(string digest, string status, string reason);

    [LoggerMessage(EventId = 4016, Level = LogLevel.Error, Message = "The scanner client failed unexpectedly on {Digest}; the attempt counts as failed")]
    private partial void LogScannerError(Exception exception, string digest);
}

/// <summary>Thread-safe counters of one scan run, copied into its run row.</summary>
public sealed class ScanCounters
{
    /// <summary>Visible manifests and platform manifests considered.</summary>
    public const string Candidates = "Candidates";

    /// <summary>Status rows created by the reconciliation pass.</summary>
    public const string StatusRowsCreated = "StatusRowsCreated";

    /// <summary>Digests claimed for a scan.</summary>
    public const string Claimed = "Claimed";

    /// <summary>Reports stored.</summary>
    public const string Completed = "Completed";

    /// <summary>Index reports composed from their platform manifests.</summary>
    public const string IndexesCompleted = "IndexesCompleted";

    /// <summary>Outcomes announced to the notification sinks.</summary>
    public const string Announced = "Announced";

    /// <summary>Scans that failed and will be retried.</summary>
    public const string Failed = "Failed";

    /// <summary>Digests marked retries exhausted.</summary>
    public const string RetriesExhausted = "RetriesExhausted";

    /// <summary>Digests marked unsupported.</summary>
    public const string Unsupported = "Unsupported";

    /// <summary>Claims or outcomes lost to another run's concurrent change.</summary>
    public const string ClaimsLost = "ClaimsLost";

    /// <summary>Work left for the next run because the time budget ran out.</summary>
    public const string Deferred = "Deferred";

    /// <summary>Findings stored.</summary>
    public const string Findings = "Findings";

    /// <summary>Replaced or abandoned report generations deleted.</summary>
    public const string GenerationsDeleted = "GenerationsDeleted";

    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    /// <summary>Adds <paramref name="amount"/> to counter <paramref name="name"/>.</summary>
    public void Add(string name, long amount = 1) => _counts.AddOrUpdate(name, amount, (_, current) => current + amount);

    /// <summary>Returns the value of counter <paramref name="name"/>.</summary>
    public long Get(string name) => _counts.TryGetValue(name, out var value) ? value : 0;

    /// <summary>Returns every counter.</summary>
    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_counts, StringComparer.Ordinal);
}
