using PortusFunctions.Http;
using PortusFunctions.Jobs;

namespace PortusFunctions.OperatorPage;

/// <summary>Body of <c>GET /api/overview</c>: the figures of the operator page.</summary>
/// <param name="GeneratedAt">When the figures were read.</param>
/// <param name="Repositories">Repositories with at least one tag or manifest.</param>
/// <param name="Tags">Tags across all repositories.</param>
/// <param name="Manifests">Manifests across all repositories.</param>
/// <param name="PendingEvents">Events stored and not applied yet.</param>
/// <param name="OldestPendingAt">When the oldest pending event was stored.</param>
/// <param name="QuarantinedEvents">Events quarantined in the last seven days.</param>
/// <param name="Scanner">Configured scanner, <c>none</c> when off.</param>
/// <param name="ScanStatuses">Digests per scan status.</param>
/// <param name="ScanCoverage">Share of scannable digests with a completed report, from 0 to 1.</param>
/// <param name="Findings">Findings per severity over single-platform reports.</param>
/// <param name="SyncRuns">Latest synchronization runs, newest first.</param>
/// <param name="ScanRuns">Latest scan runs, newest first.</param>
public sealed record OverviewView(
    DateTimeOffset GeneratedAt,
    int Repositories,
    int Tags,
    int Manifests,
    int PendingEvents,
    DateTimeOffset? OldestPendingAt,
    int QuarantinedEvents,
    string Scanner,
    IReadOnlyDictionary<string, int> ScanStatuses,
    double? ScanCoverage,
    SeverityCountsView Findings,
    IReadOnlyList<RunView> SyncRuns,
    IReadOnlyList<RunView> ScanRuns)
{
    /// <summary>Builds the body from an overview.</summary>
    public static OverviewView From(OperatorOverview overview)
    {
        ArgumentNullException.ThrowIfNull(overview);

        var findings = overview.Scans.Findings;
        return new OverviewView(
            overview.GeneratedAt,
            overview.Store.Repositories,
            overview.Store.Tags,
            overview.Store.Manifests,
            overview.Events.Pending,
            overview.Events.OldestPendingAt,
            overview.Events.Quarantined.Count,
            overview.Scans.Scanner,
            overview.Scans.ByStatus,
            overview.Scans.Coverage,
            new SeverityCountsView(findings.Critical, findings.High, findings.Medium, findings.Low, findings.Negligible, findings.Unknown, findings.Total),
            [.. overview.SyncRuns.Select(RunView.From)],
            [.. overview.ScanRuns.Select(RunView.From)]);
    }
}

/// <summary>A job run in <see cref="OverviewView"/>.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="Status">Run status.</param>
/// <param name="StartedAt">Start time.</param>
/// <param name="FinishedAt">End time, or null while running.</param>
/// <param name="Message">What the run did or why it stopped.</param>
/// <param name="Counts">Counters of the run.</param>
/// <param name="Properties">Settings of the run, such as the strategy.</param>
public sealed record RunView(
    string RunId,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string? Message,
    IDictionary<string, long> Counts,
    IDictionary<string, string> Properties)
{
    /// <summary>Builds the view of a run.</summary>
    public static RunView From(JobRun run)
    {
        ArgumentNullException.ThrowIfNull(run);

        return new RunView(run.RunId, run.Status, run.StartedAt, run.FinishedAt, run.Message, run.Counts, run.Properties);
    }
}
