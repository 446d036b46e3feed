namespace PortusFunctions.Scanning;

/// <summary>A scanner and the state of its vulnerability database, read at the start of each run.</summary>
/// <param name="Name">Scanner name, such as <c>Trivy</c>.</param>
/// <param name="Vendor">Scanner vendor, when the scanner reports it.</param>
/// <param name="Version">Scanner version, when the scanner reports it.</param>
/// <param name="DatabaseVersion">
/// An opaque token that changes whenever results may change: the database update time of a Harbor adapter, the
/// index state of Clair; null when the scanner gives none.
/// </param>
/// <param name="DatabaseUpdatedAt">Time the vulnerability database was last updated, when the scanner reports it.</param>
/// <param name="ReportMediaType">Report media type to request from a Harbor adapter; null for other scanners.</param>
public sealed record ScannerInfo(
    string Name,
    string? Vendor,
    string? Version,
    string? DatabaseVersion,
    DateTimeOffset? DatabaseUpdatedAt,
    string? ReportMediaType = null)
{
    /// <summary>Name and version, which identify the scanner across runs.</summary>
    public string Identity => $"{Name}/{Version}";
}

/// <summary>A single-platform manifest to scan.</summary>
/// <param name="Repository">A repository where the manifest is visible, from which the scanner pulls it.</param>
/// <param name="Digest">Manifest digest.</param>
/// <param name="Tag">A tag that points at the manifest, if any; some scanners show it.</param>
/// <param name="MediaType">Manifest media type, when known.</param>
public sealed record ScanTarget(string Repository, string Digest, string? Tag, string? MediaType);

/// <summary>A vulnerability found in a package of an image.</summary>
/// <param name="Id">Vulnerability id, such as <c>CVE-2024-1234</c>.</param>
/// <param name="Package">Name of the affected package.</param>
/// <param name="Version">Installed version of the package.</param>
/// <param name="FixedVersion">Version that fixes it, or null when there is no fix.</param>
/// <param name="Severity">A <see cref="Severities"/> value.</param>
/// <param name="CvssScore">Preferred CVSS score (v3, else v2), or null when unknown.</param>
/// <param name="Links">Links to descriptions of the vulnerability.</param>
/// <param name="Platform">Platform of the image in an index, <c>os/architecture[/variant]</c>; null for a single manifest.</param>
public sealed record Finding(
    string Id,
    string Package,
    string Version,
    string? FixedVersion,
    string Severity,
    double? CvssScore,
    IReadOnlyList<string> Links,
    string? Platform = null);

/// <summary>A scanner's report on one manifest.</summary>
/// <param name="Scanner">The scanner that produced it.</param>
/// <param name="GeneratedAt">Time the scanner generated the report.</param>
/// <param name="Findings">Every finding, possibly none.</param>
public sealed record ScanReport(ScannerInfo Scanner, DateTimeOffset GeneratedAt, IReadOnlyList<Finding> Findings);

/// <summary>What a scan produced: a report, a failure, or the finding that the artifact cannot be scanned.</summary>
public sealed record ScanResult
{
    private ScanResult(ScanReport? report, string? error, bool unsupported)
    {
        Report = report;
        Error = error;
        IsUnsupported = unsupported;
    }

    /// <summary>The report of a completed scan.</summary>
    public ScanReport? Report { get; }

    /// <summary>Why the scan failed or the artifact is unsupported.</summary>
    public string? Error { get; }

    /// <summary>Whether the scanner cannot scan this kind of artifact.</summary>
    public bool IsUnsupported { get; }

    /// <summary>A completed scan.</summary>
    public static ScanResult Completed(ScanReport report) => new(report ?? throw new ArgumentNullException(nameof(report)), null, false);

    /// <summary>A failed scan, which is retried with backoff.</summary>
    public static ScanResult Failed(string error) => new(null, error, false);

    /// <summary>An artifact that the scanner does not scan.</summary>
    public static ScanResult Unsupported(string reason) => new(null, reason, true);
}

/// <summary>The six severities of Harbor's scanner API and Clair's normalized severity, most severe first.</summary>
public static class Severities
{
    /// <summary>Exploitable by nearly everyone in a default installation.</summary>
    public const string Critical = "Critical";

    /// <summary>A real problem, exploitable for many people in a default installation.</summary>
    public const string High = "High";

    /// <summary>A real problem, exploitable for many people.</summary>
    public const string Medium = "Medium";

    /// <summary>Hard to exploit or of little effect.</summary>
    public const string Low = "Low";

    /// <summary>Theoretical only.</summary>
    public const string Negligible = "Negligible";

    /// <summary>Not assigned, or not recognized.</summary>
    public const string Unknown = "Unknown";

    /// <summary>Every severity, most severe first.</summary>
    public static IReadOnlyList<string> All { get; } = [Critical, High, Medium, Low, Negligible, Unknown];

    /// <summary>Maps a severity name in any case to one of <see cref="All"/>; anything else becomes <see cref="Unknown"/>.</summary>
    public static string Normalize(string? severity) =>
        All.FirstOrDefault(known => string.Equals(known, severity?.Trim(), StringComparison.OrdinalIgnoreCase)) ?? Unknown;

    /// <summary>Returns 0 for <see cref="Critical"/> up to 5 for <see cref="Unknown"/>, for sorting.</summary>
    public static int Rank(string severity)
    {
        for (var i = 0; i < All.Count; i++)
        {
            if (string.Equals(All[i], severity, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return All.Count - 1;
    }
}

/// <summary>Number of findings per severity.</summary>
public sealed record SeverityCounts(int Critical, int High, int Medium, int Low, int Negligible, int Unknown)
{
    /// <summary>No findings.</summary>
    public static SeverityCounts Zero { get; } = new(0, 0, 0, 0, 0, 0);

    /// <summary>Total number of findings.</summary>
    public int Total => Critical + High + Medium + Low + Negligible + Unknown;

    /// <summary>Number of findings at <paramref name="minimum"/> or above.</summary>
    public int AtOrAbove(VulnerabilitySeverity minimum) =>
        (minimum <= VulnerabilitySeverity.Critical ? Critical : 0)
        + (minimum <= VulnerabilitySeverity.High ? High : 0)
        + (minimum <= VulnerabilitySeverity.Medium ? Medium : 0)
        + (minimum <= VulnerabilitySeverity.Low ? Low : 0)
        + (minimum <= VulnerabilitySeverity.Negligible ? Negligible : 0)
        + (minimum <= VulnerabilitySeverity.Unknown ? Unknown : 0);

    /// <summary>Counts the findings of <paramref name="findings"/> per severity.</summary>
    public static SeverityCounts Of(IEnumerable<Finding> findings)
    {
        ArgumentNullException.ThrowIfNull(findings);

        var counts = new int[Severities.All.Count];
        foreach (var finding in findings)
        {
            counts[Severities.Rank(finding.Severity)]++;
        }

        return new SeverityCounts(counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]);
    }
}

/// <summary>Values of a digest's scan status.</summary>
public static class ScanStatuses
{
    /// <summary>Not scanned yet, or waiting for the platform manifests of an index.</summary>
    public const string Pending = "pending";

    /// <summary>Claimed by a run that is scanning it.</summary>
    public const string InProgress = "in_progress";

    /// <summary>The report is stored.</summary>
    public const string Completed = "completed";

    /// <summary>The last scan failed and is retried after a backoff; an earlier report, if any, stays readable.</summary>
    public const string Failed = "failed";

    /// <summary>Not a container image (a signature, SBOM, attestation or chart), or not scannable by the scanner.</summary>
    public const string Unsupported = "unsupported";

    /// <summary>Every allowed attempt failed.</summary>
    public const string RetriesExhausted = "retries_exhausted";

    /// <summary>Every status, in the order a digest passes through them.</summary>
    public static IReadOnlyList<string> All { get; } = [Pending, InProgress, Completed, Failed, Unsupported, RetriesExhausted];
}
