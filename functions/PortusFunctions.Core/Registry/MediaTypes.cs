namespace PortusFunctions.Registry;

/// <summary>Manifest and config media types of the Docker and OCI image formats.</summary>
public static class MediaTypes
{
    /// <summary>Docker image manifest, schema 2.</summary>
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";

    /// <summary>Docker manifest list (multi-platform).</summary>
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";

    /// <summary>OCI image manifest.</summary>
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";

    /// <summary>OCI image index (multi-platform, or a set of artifacts).</summary>
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";

    /// <summary>Docker image config.</summary>
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";

    /// <summary>OCI image config.</summary>
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";

    /// <summary>The four manifest media types, in the order they are offered in an <c>Accept</c> header.</summary>
    public static readonly IReadOnlyList<string> Manifests = [OciIndex, DockerManifestList, OciManifest, DockerManifest];

    /// <summary>Whether <paramref name="mediaType"/> is one of the four manifest media types.</summary>
    public static bool IsManifest(string? mediaType) => IsIndex(mediaType) || IsImageManifest(mediaType);

    /// <summary>Whether <paramref name="mediaType"/> is a Docker manifest list or an OCI image index.</summary>
    public static bool IsIndex(string? mediaType) =>
        string.Equals(mediaType, DockerManifestList, StringComparison.OrdinalIgnoreCase)
        || string.Equals(mediaType, OciIndex, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="mediaType"/> is a single-platform Docker or OCI manifest.</summary>
    public static bool IsImageManifest(string? mediaType) =>
        string.Equals(mediaType, DockerManifest, StringComparison.OrdinalIgnoreCase)
        || string.Equals(mediaType, OciManifest, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether a config media type belongs to a container image, as opposed to a signature, SBOM or chart.</summary>
    public static bool IsImageConfig(string? configMediaType) =>
        string.Equals(configMediaType, DockerConfig, StringComparison.OrdinalIgnoreCase)
        || string.Equals(configMediaType, OciConfig, StringComparison.OrdinalIgnoreCase);
}
