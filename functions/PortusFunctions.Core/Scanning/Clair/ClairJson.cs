using System.Text.Json.Serialization;

namespace PortusFunctions.Scanning.Clair;

/// <summary>Bodies of Clair v4's indexer and matcher API, and the image manifest read from the registry.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ClairIndexState))]
[JsonSerializable(typeof(ClairManifest))]
[JsonSerializable(typeof(ClairIndexReport))]
[JsonSerializable(typeof(ClairVulnerabilityReport))]
[JsonSerializable(typeof(ImageManifest))]
internal sealed partial class ClairJson : JsonSerializerContext;

/// <summary>Body of <c>GET /indexer/api/v1/index_state</c>: an opaque token that changes when manifests need re-indexing.</summary>
internal sealed record ClairIndexState(string? State);

/// <summary>Body of <c>POST /indexer/api/v1/index_report</c>: the manifest digest and where each layer is fetched.</summary>
internal sealed record ClairManifest(string Hash, List<ClairLayer> Layers);

/// <summary>A layer to fetch, with the headers to send.</summary>
internal sealed record ClairLayer(string Hash, string Uri, Dictionary<string, List<string>>? Headers);

/// <summary>The index report returned by the indexer.</summary>
internal sealed record ClairIndexReport(string? ManifestHash, string? State, bool? Success, string? Err);

/// <summary>Body of <c>GET /matcher/api/v1/vulnerability_report/{digest}</c>.</summary>
internal sealed record ClairVulnerabilityReport(
    string? ManifestHash,
    Dictionary<string, ClairPackage>? Packages,
    Dictionary<string, ClairVulnerability>? Vulnerabilities,
    Dictionary<string, List<string>>? PackageVulnerabilities);

/// <summary>A package found in the image.</summary>
internal sealed record ClairPackage(string? Id, string? Name, string? Version);

/// <summary>A vulnerability that affects a package.</summary>
internal sealed record ClairVulnerability(
    string? Id,
    string? Name,
    string? Links,
    string? Severity,
    string? NormalizedSeverity,
    string? FixedInVersion,
    ClairPackage? Package);

/// <summary>A Docker v2 or OCI image manifest, as far as Clair needs it.</summary>
internal sealed record ImageManifest(
    [property: JsonPropertyName("mediaType")] string? MediaType,
    [property: JsonPropertyName("layers")] List<ImageLayer>? Layers);

/// <summary>A layer of an image manifest.</summary>
internal sealed record ImageLayer(
    [property: JsonPropertyName("mediaType")] string? MediaType,
    [property: JsonPropertyName("digest")] string? Digest);
