using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using PortusFunctions.Events;

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
public sealed record TagView(string Name, string Digest, string? MediaType, DateTimeOffset PushedAt);

/// <summary>Body of <c>GET /api/health</c>.</summary>
/// <param name="Status"><c>healthy</c> or <c>unhealthy</c>.</param>
/// <param name="Storage"><c>reachable</c> or <c>unreachable</c>.</param>
/// <param name="Detail">Why storage is unreachable; null when it is reachable.</param>
public sealed record HealthResponse(string Status, string Storage, string? Detail);
