using Azure;

namespace PortusFunctions.Scanning;

/// <summary>The scan status of one manifest digest, with the summary of its current report.</summary>
/// <remarks>
/// The report fields (<see cref="Generation"/> through <see cref="Counts"/>) describe the latest completed report and
/// stay when a later scan fails, so a failure never hides or replaces a report. The attempt fields describe the
/// latest attempt.
/// </remarks>
public sealed class ScanStatusRecord
{
    /// <summary>Manifest digest.</summary>
    public required string Digest { get; init; }

    /// <summary>A repository where the digest was seen; the job prefers one where it is visible now.</summary>
    public string? Repository { get; set; }

    /// <summary>Manifest media type, when known.</summary>
    public string? MediaType { get; set; }

    /// <summary>Config media type, when known; tells images from other artifacts.</summary>
    public string? ConfigMediaType { get; set; }

    /// <summary>A <see cref="ScanStatuses"/> value.</summary>
    public string Status { get; set; } = ScanStatuses.Pending;

    /// <summary>Attempts since the last completed scan; the claim of a scan counts it.</summary>
    public int Attempts { get; set; }

    /// <summary>Why the latest attempt failed, or why the artifact is unsupported.</summary>
    public string? Error { get; set; }

    /// <summary>When the latest attempt started.</summary>
    public DateTimeOffset? LastAttemptAt { get; set; }

    /// <summary><see cref="ScannerInfo.Identity"/> of the scanner of the latest attempt.</summary>
    public string? LastAttemptScanner { get; set; }

    /// <summary>Earliest time of the next attempt after a failure.</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>Owner of the in-progress claim.</summary>
    public string? ClaimedBy { get; set; }

    /// <summary>When the in-progress claim was taken.</summary>
    public DateTimeOffset? ClaimedAt { get; set; }

    /// <summary>Key of the stored findings of the current report; null when there is no report.</summary>
    public string? Generation { get; set; }

    /// <summary>Findings being written by the claim in progress; deleted when the claim is taken back.</summary>
    public string? PendingGeneration { get; set; }

    /// <summary>Findings of the replaced report, still to be deleted.</summary>
    public string? OldGeneration { get; set; }

    /// <summary>Name of the scanner that produced the report.</summary>
    public string? ScannerName { get; set; }

    /// <summary>Vendor of that scanner.</summary>
    public string? ScannerVendor { get; set; }

    /// <summary>Version of that scanner.</summary>
    public string? ScannerVersion { get; set; }

    /// <summary><see cref="ScannerInfo.DatabaseVersion"/> when the report was made.</summary>
    public string? DatabaseVersion { get; set; }

    /// <summary>Update time of the scanner's vulnerability database when the report was made.</summary>
    public DateTimeOffset? DatabaseUpdatedAt { get; set; }

    /// <summary>Time the scanner generated the report.</summary>
    public DateTimeOffset? GeneratedAt { get; set; }

    /// <summary>Time the report was stored.</summary>
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Findings per severity of the report; null when there is no report.</summary>
    public SeverityCounts? Counts { get; set; }

    /// <summary>For an index: each platform manifest's digest, status and generation that the current state was built from.</summary>
    public string? ChildrenKey { get; set; }

    /// <summary>When the row was created.</summary>
    public DateTimeOffset? CreatedAt { get; set; }

    /// <summary>
    /// Whether the latest outcome (completed, failed or retries exhausted) still has to be announced to the
    /// <see cref="IScanNotificationSink"/>s; cleared once they accepted it.
    /// </summary>
    public bool NotificationPending { get; set; }

    /// <summary>ETag of the stored row, or null when it is not stored yet.</summary>
    public ETag? ETag { get; set; }

    /// <summary>Whether a report is stored.</summary>
    public bool HasReport => Generation is not null;

    /// <summary>Returns a copy to change and write with the ETag of this one.</summary>
    public ScanStatusRecord Copy() => (ScanStatusRecord)MemberwiseClone();
}
