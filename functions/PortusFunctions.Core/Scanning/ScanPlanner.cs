using System.Globalization;
using PortusFunctions.Images;

namespace PortusFunctions.Scanning;

/// <summary>What the scan job does with one digest in a run.</summary>
public enum ScanAction
{
    /// <summary>Nothing in this run.</summary>
    None,

    /// <summary>Claim the digest and scan it.</summary>
    Scan,

    /// <summary>Mark the digest unsupported without scanning it.</summary>
    MarkUnsupported,

    /// <summary>Mark the digest retries exhausted: its last claim timed out on the last allowed attempt.</summary>
    MarkExhausted,
}

/// <summary>The decision for one single-platform manifest, with the reason for logs and tests.</summary>
/// <param name="Action">What to do.</param>
/// <param name="Reason">Why, in a few words.</param>
/// <param name="ResetAttempts">Whether the attempt count starts again from zero.</param>
public sealed record ScanDecision(ScanAction Action, string Reason, bool ResetAttempts = false);

/// <summary>The state an index takes from the states of its platform manifests.</summary>
/// <param name="Status">The index's new status; null when it stays as it is.</param>
/// <param name="Reason">Why.</param>
/// <param name="ChildrenKey">Digest, status and generation of every child, to detect changes.</param>
/// <param name="Completed">Children with a report, whose findings form the index's report.</param>
public sealed record IndexDecision(
    string? Status,
    string Reason,
    string ChildrenKey,
    IReadOnlyList<(ManifestChild Child, ScanStatusRecord Row)> Completed);

/// <summary>
/// The state machine of a digest's scan status: which digests a run scans, marks, takes back or leaves alone.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>pending</c> is scanned; an artifact whose config media type is known and not an image is marked
/// unsupported instead.</item>
/// <item><c>in_progress</c> is left alone until the claim is older than the in-progress timeout, then taken back:
/// scanned again, or marked retries exhausted when the claim was the last allowed attempt.</item>
/// <item><c>failed</c> is scanned again once its backoff has passed.</item>
/// <item><c>completed</c> is scanned again when the scanner's name or version changed, when its database version
/// differs from the one the report was made with, or when the report is older than the maximum age.</item>
/// <item><c>retries_exhausted</c> gets a new series of attempts when the scanner's name or version changed since the
/// last attempt, or when that attempt is older than the maximum report age.</item>
/// <item><c>unsupported</c> stays.</item>
/// </list>
/// An index is never scanned itself: its state follows from its platform manifests (see <see cref="DecideIndex"/>).
/// </remarks>
public static class ScanPlanner
{
    /// <summary>Platform of a child whose index does not name one.</summary>
    public const string UnknownPlatform = "unknown";

    /// <summary>Decides what a run does with a single-platform manifest.</summary>
    public static ScanDecision Decide(
        ScanStatusRecord row,
        ScanCandidate? candidate,
        ScannerInfo scanner,
        DateTimeOffset now,
        ScanOptions options)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(scanner);
        ArgumentNullException.ThrowIfNull(options);

        if (candidate is null)
        {
            return new(ScanAction.None, "not visible in any repository");
        }

        if (candidate.IsKnownNonImage)
        {
            return row.Status == ScanStatuses.Unsupported
                ? new(ScanAction.None, "not a container image")
                : new(ScanAction.MarkUnsupported, $"config media type {candidate.ConfigMediaType} is not a container image");
        }

        switch (row.Status)
        {
            case ScanStatuses.Pending:
                return new(ScanAction.Scan, "not scanned yet");

            case ScanStatuses.InProgress:
                if (row.ClaimedAt is { } claimed && claimed + options.InProgressTimeout > now)
                {
                    return new(ScanAction.None, "in progress in another run");
                }

                return row.Attempts >= options.MaxAttempts
                    ? new(ScanAction.MarkExhausted, "the last allowed attempt did not finish within Scan__InProgressTimeout")
                    : new(ScanAction.Scan, "taken back: the claim is older than Scan__InProgressTimeout");

            case ScanStatuses.Failed:
                if (row.Attempts >= options.MaxAttempts)
                {
                    return new(ScanAction.MarkExhausted, "no attempts left");
                }

                return row.NextAttemptAt is { } next && next > now
                    ? new(ScanAction.None, "waiting for the retry backoff")
                    : new(ScanAction.Scan, "retry after a failed scan");

            case ScanStatuses.Completed:
                return DecideRescan(row, scanner, now, options);

            case ScanStatuses.RetriesExhausted:
                if (!string.Equals(row.LastAttemptScanner, scanner.Identity, StringComparison.Ordinal))
                {
                    return new(ScanAction.Scan, "the scanner changed since the last attempt", ResetAttempts: true);
                }

                return row.LastAttemptAt is { } last && last + options.MaxReportAge > now
                    ? new(ScanAction.None, "retries exhausted")
                    : new(ScanAction.Scan, "the last attempt is older than Scan__MaxReportAge", ResetAttempts: true);

            case ScanStatuses.Unsupported:
                return new(ScanAction.None, "unsupported");

            default:
                return new(ScanAction.Scan, $"unknown status '{row.Status}'");
        }
    }

    /// <summary>
    /// Decides the state of an index from its platform manifests. Nothing changes while any of them waits for a scan.
    /// Then the index is completed with the union of their reports, unsupported when none is an image, or retries
    /// exhausted when any of them is.
    /// </summary>
    /// <param name="row">The index's status row.</param>
    /// <param name="candidate">The index as the image store shows it.</param>
    /// <param name="children">Status rows of the platform manifests, by digest.</param>
    public static IndexDecision DecideIndex(
        ScanStatusRecord row,
        ScanCandidate candidate,
        IReadOnlyDictionary<string, ScanStatusRecord> children)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(children);

        var platforms = candidate.Children.DistinctBy(child => child.Digest, StringComparer.Ordinal).ToList();
        if (platforms.Count == 0)
        {
            return new(null, "the platform manifests of the index are not known yet", "", []);
        }

        var completed = new List<(ManifestChild, ScanStatusRecord)>();
        var exhausted = new List<string>();
        var keyParts = new List<string>();
        foreach (var child in platforms)
        {
            if (!children.TryGetValue(child.Digest, out var childRow))
            {
                return new(null, $"platform manifest {child.Digest} has no scan status yet", "", []);
            }

            if (childRow.Status is ScanStatuses.Pending or ScanStatuses.InProgress or ScanStatuses.Failed)
            {
                return new(null, $"platform manifest {child.Digest} is {childRow.Status}", "", []);
            }

            keyParts.Add(string.Create(CultureInfo.InvariantCulture, $"{child.Digest}={childRow.Status}:{childRow.Generation}"));
            switch (childRow.Status)
            {
                case ScanStatuses.Completed:
                    completed.Add((child, childRow));
                    break;
                case ScanStatuses.RetriesExhausted:
                    exhausted.Add(child.Digest);
                    break;
            }
        }

        var key = string.Join(",", keyParts);
        var settled = row.Status is ScanStatuses.Completed or ScanStatuses.Unsupported or ScanStatuses.RetriesExhausted;
        if (settled && string.Equals(row.ChildrenKey, key, StringComparison.Ordinal))
        {
            return new(null, "no platform manifest changed", key, []);
        }

        if (exhausted.Count > 0)
        {
            return new(ScanStatuses.RetriesExhausted, $"retries exhausted for platform manifests {string.Join(", ", exhausted)}", key, []);
        }

        return completed.Count == 0
            ? new(ScanStatuses.Unsupported, "no platform manifest of the index is a container image", key, [])
            : new(ScanStatuses.Completed, "every platform manifest is scanned", key, completed);
    }

    private static ScanDecision DecideRescan(ScanStatusRecord row, ScannerInfo scanner, DateTimeOffset now, ScanOptions options)
    {
        if (!string.Equals(row.ScannerName, scanner.Name, StringComparison.Ordinal)
            || !string.Equals(row.ScannerVersion, scanner.Version, StringComparison.Ordinal))
        {
            return new(ScanAction.Scan, "the scanner changed since the report", ResetAttempts: true);
        }

        if (scanner.DatabaseVersion is not null && !string.Equals(row.DatabaseVersion, scanner.DatabaseVersion, StringComparison.Ordinal))
        {
            return new(ScanAction.Scan, "the vulnerability database changed since the report", ResetAttempts: true);
        }

        var reportTime = row.CompletedAt ?? row.GeneratedAt;
        return reportTime is { } time && time + options.MaxReportAge > now
            ? new(ScanAction.None, "the report is current")
            : new(ScanAction.Scan, "the report is older than Scan__MaxReportAge", ResetAttempts: true);
    }
}
