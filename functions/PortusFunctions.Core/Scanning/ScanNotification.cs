namespace PortusFunctions.Scanning;

/// <summary>How a scan of a digest ended.</summary>
public enum ScanOutcome
{
    /// <summary>The scanner returned a report.</summary>
    Completed,

    /// <summary>The scan failed; a failure never counts as "no vulnerabilities".</summary>
    Failed,
}

/// <summary>A repository, and a tag in it or null for an untagged manifest, that points at the scanned digest.</summary>
/// <param name="Repository">Full repository name.</param>
/// <param name="Tag">Tag, or null.</param>
public sealed record ScannedReference(string Repository, string? Tag);

/// <summary>The end of one scan of one digest, as the scan job reports it to <see cref="IScanNotificationSink"/>.</summary>
public sealed record ScanNotification
{
    /// <summary>
    /// Stable id of this scan result: reporting the same result again with the same id creates no second delivery,
    /// and a later scan of the same digest needs a new id.
    /// </summary>
    public required string ScanId { get; init; }

    /// <summary>Digest of the scanned manifest.</summary>
    public required string Digest { get; init; }

    /// <summary>Repositories and tags that point at the digest; at least one.</summary>
    public required IReadOnlyList<ScannedReference> References { get; init; }

    /// <summary>Whether the scan completed or failed.</summary>
    public required ScanOutcome Outcome { get; init; }

    /// <summary>When the scan finished; the time of the events and the order of their deliveries.</summary>
    public required DateTimeOffset FinishedAt { get; init; }

    /// <summary>Vulnerabilities per severity; required when the scan completed.</summary>
    public SeverityCounts? Vulnerabilities { get; init; }

    /// <summary>Why the scan failed; required when it failed.</summary>
    public string? Error { get; init; }

    /// <summary>Name and version of the scanner, such as <c>Trivy 0.58.1</c>, when known.</summary>
    public string? Scanner { get; init; }
}

/// <summary>Receives the end of every scan; the scan job calls it once a digest's scan completes or fails.</summary>
public interface IScanNotificationSink
{
    /// <summary>
    /// Creates the deliveries of <c>scan.completed</c>, <c>scan.failed</c> and <c>vulnerabilities.found</c> for
    /// the subscriptions that want them. Idempotent by <see cref="ScanNotification.ScanId"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The notification misses a required value.</exception>
    /// <exception cref="Storage.StorageUnavailableException">Storage cannot be reached; call again later.</exception>
    Task OnScanFinishedAsync(ScanNotification notification, CancellationToken cancellationToken);
}
