using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using PortusFunctions.Events;
using PortusFunctions.Webhooks.Api;

namespace PortusFunctions.Http;

/// <summary>JSON bodies of the HTTP API.</summary>
/// <remarks>
/// <see cref="Api"/> writes <c>+</c> and other non-HTML-safe characters as they are, so media types read
/// <c>application/vnd.oci.image.manifest.v1+json</c> rather than with <c>\u002B</c>. Responses are JSON, never HTML.
/// </remarks>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(IngestResult))]
[JsonSerializable(typeof(RepositoryListResponse))]
[JsonSerializable(typeof(TagListResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(OperatorPage.OverviewView))]
[JsonSerializable(typeof(VulnerabilityResponse))]
[JsonSerializable(typeof(SubscriptionView))]
[JsonSerializable(typeof(SubscriptionListResponse))]
[JsonSerializable(typeof(DeliveryListResponse))]
[JsonSerializable(typeof(SyncRunResponse))]
[JsonSerializable(typeof(SyncStatusResponse))]
public sealed partial class ApiJson : JsonSerializerContext
{
    /// <summary>The context used for responses.</summary>
    public static ApiJson Api { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

/// <summary>Body of <c>GET /api/repositories</c>.</summary>
/// <param name="Repositories">Repositories in ordinal order of their names.</param>
public sealed record RepositoryListResponse(IReadOnlyList<RepositoryView> Repositories);

/// <summary>A repository in <see cref="RepositoryListResponse"/>.</summary>
/// <param name="Name">Full repository name.</param>
/// <param name="Namespace">Part before the first slash, or null for the global namespace.</param>
/// <param name="TagCount">Number of tags.</param>
/// <param name="ManifestCount">Number of manifests, tagged or not.</param>
public sealed record RepositoryView(string Name, string? Namespace, int TagCount, int ManifestCount);

/// <summary>Body of <c>GET /api/repositories/tags</c>.</summary>
/// <param name="Repository">Full repository name.</param>
/// <param name="Tags">Tags in ordinal order of their names.</param>
public sealed record TagListResponse(string Repository, IReadOnlyList<TagView> Tags);

/// <summary>A tag in <see cref="TagListResponse"/>.</summary>
/// <param name="Name">Tag name.</param>
/// <param name="Digest">Digest of the manifest the tag points at.</param>
/// <param name="MediaType">Media type of that manifest.</param>
/// <param name="PushedAt">Time of the change that set the tag: the push event's timestamp, or the sync's read time.</param>
/// <param name="ScanStatus">Scan status of the digest (see <see cref="VulnerabilityResponse.Status"/>).</param>
/// <param name="Vulnerabilities">Findings per severity of the digest's current report; null when it has none.</param>
public sealed record TagView(
    string Name,
    string Digest,
    string? MediaType,
    DateTimeOffset PushedAt,
    string? ScanStatus = null,
    SeverityCountsView? Vulnerabilities = null);

/// <summary>Body of <c>GET /api/health</c>.</summary>
/// <param name="Status"><c>healthy</c> or <c>unhealthy</c>.</param>
/// <param name="Storage"><c>reachable</c> or <c>unreachable</c>.</param>
/// <param name="Detail">Why storage is unreachable; null when it is reachable.</param>
public sealed record HealthResponse(string Status, string Storage, string? Detail);

/// <summary>Body of <c>GET /api/vulnerabilities</c>: the scan status of a digest and its current report.</summary>
/// <param name="Repository">Repository named in the request.</param>
/// <param name="Tag">Tag named in the request, or null when a digest was named.</param>
/// <param name="Digest">Manifest digest the report belongs to; tags and repositories that share it share the report.</param>
/// <param name="MediaType">Manifest media type.</param>
/// <param name="Status">
/// <c>pending</c>, <c>in_progress</c>, <c>completed</c>, <c>failed</c>, <c>unsupported</c>, <c>retries_exhausted</c>,
/// or <c>disabled</c> when no scanner is configured and the digest was never scanned.
/// </param>
/// <param name="Attempts">Failed attempts since the last completed scan.</param>
/// <param name="Error">Why the latest attempt failed, or why the artifact is unsupported.</param>
/// <param name="LastAttemptAt">When the latest attempt started.</param>
/// <param name="NextAttemptAt">Earliest time of the next attempt after a failure.</param>
/// <param name="Report">The latest completed report, also while a rescan is pending or failed; null when there is none.</param>
public sealed record VulnerabilityResponse(
    string Repository,
    string? Tag,
    string Digest,
    string? MediaType,
    string Status,
    int Attempts,
    string? Error,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? NextAttemptAt,
    VulnerabilityReportView? Report);

/// <summary>A vulnerability report in <see cref="VulnerabilityResponse"/>.</summary>
/// <param name="Scanner">The scanner that produced it.</param>
/// <param name="DatabaseUpdatedAt">Update time of the scanner's vulnerability database, when the scanner reports it.</param>
/// <param name="GeneratedAt">Time the scanner generated the report.</param>
/// <param name="StoredAt">Time the report was stored.</param>
/// <param name="Summary">Findings per severity.</param>
/// <param name="Findings">Every finding, most severe first.</param>
public sealed record VulnerabilityReportView(
    ScannerView Scanner,
    DateTimeOffset? DatabaseUpdatedAt,
    DateTimeOffset? GeneratedAt,
    DateTimeOffset? StoredAt,
    SeverityCountsView Summary,
    IReadOnlyList<FindingView> Findings);

/// <summary>Name, vendor and version of a scanner.</summary>
/// <param name="Name">Scanner name.</param>
/// <param name="Vendor">Scanner vendor, when known.</param>
/// <param name="Version">Scanner version, when known.</param>
public sealed record ScannerView(string Name, string? Vendor, string? Version);

/// <summary>Number of findings per severity.</summary>
/// <param name="Critical">Critical findings.</param>
/// <param name="High">High findings.</param>
/// <param name="Medium">Medium findings.</param>
/// <param name="Low">Low findings.</param>
/// <param name="Negligible">Negligible findings.</param>
/// <param name="Unknown">Findings of unknown severity.</param>
/// <param name="Total">All findings.</param>
public sealed record SeverityCountsView(int Critical, int High, int Medium, int Low, int Negligible, int Unknown, int Total);

/// <summary>One finding of a report.</summary>
/// <param name="Id">Vulnerability id, such as <c>CVE-2024-1234</c>.</param>
/// <param name="Package">Affected package.</param>
/// <param name="Version">Installed version.</param>
/// <param name="FixedVersion">Version with the fix, or null when there is none.</param>
/// <param name="Severity"><c>Critical</c>, <c>High</c>, <c>Medium</c>, <c>Low</c>, <c>Negligible</c> or <c>Unknown</c>.</param>
/// <param name="CvssScore">Preferred CVSS score, when the scanner gives one.</param>
/// <param name="Links">Links to descriptions of the vulnerability.</param>
/// <param name="Platform">Platform of the image in an index, <c>os/architecture</c> or <c>unknown</c>; null for a single manifest.</param>
public sealed record FindingView(
    string Id,
    string Package,
    string Version,
    string? FixedVersion,
    string Severity,
    double? CvssScore,
    IReadOnlyList<string> Links,
    string? Platform);
