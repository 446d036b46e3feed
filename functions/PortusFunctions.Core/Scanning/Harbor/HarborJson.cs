using System.Text.Json.Serialization;

namespace PortusFunctions.Scanning.Harbor;

/// <summary>Bodies of Harbor's pluggable scanner API v1.1 and v1.2, in its snake_case form.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(HarborMetadata))]
[JsonSerializable(typeof(HarborScanRequest))]
[JsonSerializable(typeof(HarborScanResponse))]
[JsonSerializable(typeof(HarborReport))]
[JsonSerializable(typeof(HarborErrorResponse))]
internal sealed partial class HarborJson : JsonSerializerContext;

/// <summary>Body of <c>GET /api/v1/metadata</c>.</summary>
internal sealed record HarborMetadata(HarborScanner? Scanner, List<HarborCapability>? Capabilities, Dictionary<string, string>? Properties);

/// <summary>Name, vendor and version of a scanner.</summary>
internal sealed record HarborScanner(string? Name, string? Vendor, string? Version);

/// <summary>A capability: the artifact media types consumed and the report media types produced.</summary>
internal sealed record HarborCapability(string? Type, List<string>? ConsumesMimeTypes, List<string>? ProducesMimeTypes);

/// <summary>Body of <c>POST /api/v1/scan</c>.</summary>
internal sealed record HarborScanRequest(HarborRegistry Registry, HarborArtifact Artifact);

/// <summary>Where the scanner pulls the artifact from, and the <c>Authorization</c> header it sends there.</summary>
internal sealed record HarborRegistry(string Url, string? Authorization);

/// <summary>The artifact to scan.</summary>
internal sealed record HarborArtifact(string Repository, string Digest, string? Tag, string? MimeType);

/// <summary>Body of the 202 response to a scan request.</summary>
internal sealed record HarborScanResponse(string? Id);

/// <summary>A vulnerability report, media type <c>application/vnd.security.vulnerability.report; version=1.1</c>.</summary>
internal sealed record HarborReport(string? GeneratedAt, HarborScanner? Scanner, List<HarborVulnerability>? Vulnerabilities);

/// <summary>One vulnerability of a report.</summary>
internal sealed record HarborVulnerability(
    string? Id,
    string? Package,
    string? Version,
    string? FixVersion,
    string? Severity,
    List<string>? Links,
    HarborCvss? PreferredCvss);

/// <summary>CVSS scores of a vulnerability.</summary>
internal sealed record HarborCvss(double? ScoreV3, double? ScoreV2);

/// <summary>Body of an error response.</summary>
internal sealed record HarborErrorResponse(HarborError? Error);

/// <summary>The error of an error response.</summary>
internal sealed record HarborError(string? Message);
