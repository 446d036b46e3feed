namespace PortusFunctions.Registry;

/// <summary>Token scopes of the distribution registry's token authentication.</summary>
public static class RegistryScopes
{
    private static readonly string[] PathMarkers = ["/tags/", "/manifests/", "/blobs/"];

    /// <summary>Scope of the catalog: <c>registry:catalog:*</c>.</summary>
    public const string Catalog = "registry:catalog:*";

    /// <summary>Returns the scope that pulls <paramref name="repository"/>: <c>repository:NAME:pull</c>.</summary>
    public static string Pull(string repository) => $"repository:{repository}:pull";

    /// <summary>
    /// Returns the scope a registry API request needs, from its path: the catalog, or pull access to the repository
    /// named before <c>/tags/</c>, <c>/manifests/</c> or <c>/blobs/</c>; null for any other path, such as <c>/v2/</c>.
    /// </summary>
    public static string? ForPath(string absolutePath)
    {
        ArgumentNullException.ThrowIfNull(absolutePath);

        var start = absolutePath.IndexOf("/v2/", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var path = absolutePath[(start + "/v2/".Length)..];
        if (path == "_catalog")
        {
            return Catalog;
        }

        // A reference never contains a slash, so the last marker ends the repository name even when a path
        // component of the name is itself "tags" or "manifests".
        var end = PathMarkers.Max(marker => path.LastIndexOf(marker, StringComparison.Ordinal));
        return end > 0 ? Pull(Uri.UnescapeDataString(path[..end])) : null;
    }
}
