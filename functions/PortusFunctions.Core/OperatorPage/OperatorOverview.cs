using PortusFunctions.Jobs;
using PortusFunctions.Scanning;

namespace PortusFunctions.OperatorPage;

/// <summary>What the operator page shows: how large the store is and where each job stands.</summary>
/// <param name="GeneratedAt">When the figures were read.</param>
/// <param name="Store">Size of the store.</param>
/// <param name="Events">Events waiting in the inbox and events quarantined recently.</param>
/// <param name="SyncRuns">Latest catalog synchronization runs, newest first.</param>
/// <param name="Scans">Scan coverage and findings.</param>
/// <param name="ScanRuns">Latest scan runs, newest first.</param>
public sealed record OperatorOverview(
    DateTimeOffset GeneratedAt,
    StoreSize Store,
    EventBacklog Events,
    IReadOnlyList<JobRun> SyncRuns,
    ScanCoverage Scans,
    IReadOnlyList<JobRun> ScanRuns);

/// <summary>Number of repositories, tags and manifests the store shows.</summary>
/// <param name="Repositories">Repositories with at least one tag or manifest.</param>
/// <param name="Tags">Tags across all repositories.</param>
/// <param name="Manifests">Manifests across all repositories, tagged or not.</param>
public sealed record StoreSize(int Repositories, int Tags, int Manifests);

/// <summary>Events not applied yet, and events that could not be applied.</summary>
/// <param name="Pending">Events stored in the inbox and not applied yet.</param>
/// <param name="OldestPendingAt">When the oldest pending event was stored, or null when none is pending.</param>
/// <param name="Quarantined">Events quarantined within <see cref="OperatorOverviewService.QuarantineWindow"/>, newest first.</param>
public sealed record EventBacklog(int Pending, DateTimeOffset? OldestPendingAt, IReadOnlyList<Events.QuarantineEntry> Quarantined);

/// <summary>How much of the store has a current vulnerability report, and what the reports found.</summary>
/// <param name="Scanner">The configured scanner, <c>none</c> when scanning is off.</param>
/// <param name="Digests">Digests with a scan status.</param>
/// <param name="ByStatus">Digests per scan status.</param>
/// <param name="Findings">Findings per severity over completed single-platform reports; an index repeats its children's findings and is not counted again.</param>
/// <param name="MostVulnerable">Digests with the most critical and high findings, most first.</param>
public sealed record ScanCoverage(
    string Scanner,
    int Digests,
    IReadOnlyDictionary<string, int> ByStatus,
    SeverityCounts Findings,
    IReadOnlyList<VulnerableDigest> MostVulnerable)
{
    /// <summary>Share of scannable digests with a completed report, from 0 to 1; null when there is none to scan.</summary>
    public double? Coverage
    {
        get
        {
            var scannable = Digests - ByStatus.GetValueOrDefault(ScanStatuses.Unsupported);
            return scannable <= 0 ? null : (double)ByStatus.GetValueOrDefault(ScanStatuses.Completed) / scannable;
        }
    }
}

/// <summary>A digest in the list of the most vulnerable ones.</summary>
/// <param name="Repository">A repository that holds the digest.</param>
/// <param name="Digest">Manifest digest.</param>
/// <param name="Counts">Findings per severity.</param>
public sealed record VulnerableDigest(string Repository, string Digest, SeverityCounts Counts);
