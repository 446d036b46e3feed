namespace PortusFunctions.Registry;

/// <summary>One page of the catalog.</summary>
/// <param name="Repositories">Repository names in the order the registry listed them.</param>
/// <param name="ReadAt">The registry's <c>Date</c> header of the response, or the local time when it sent none.</param>
/// <param name="IsLast">Whether no page follows.</param>
/// <param name="Anomaly">
/// Why this page cannot prove which repositories are absent, such as a page that ended without a next link while
/// the registry lists more; null for a regular page.
/// </param>
public sealed record CatalogPage(IReadOnlyList<string> Repositories, DateTimeOffset ReadAt, bool IsLast, string? Anomaly);

/// <summary>The tags of one repository, every page read.</summary>
/// <param name="Repository">Repository name.</param>
/// <param name="Found">
/// False when the registry returned 404 <c>NAME_UNKNOWN</c>: it contains no manifest in the repository, although the
/// catalog may list it.
/// </param>
/// <param name="Tags">Tag names; empty for <c>"tags": null</c>.</param>
/// <param name="ReadAt">The registry's <c>Date</c> of the first page, or the local time when it sent none.</param>
public sealed record TagListing(string Repository, bool Found, IReadOnlyList<string> Tags, DateTimeOffset ReadAt);

/// <summary>What a <c>HEAD</c> of a manifest returned.</summary>
/// <param name="Digest">The <c>Docker-Content-Digest</c>.</param>
/// <param name="MediaType">Media type from <c>Content-Type</c>, or null when it is not a manifest media type.</param>
/// <param name="ReadAt">The registry's <c>Date</c>, or the local time when it sent none.</param>
public sealed record ManifestHead(string Digest, string? MediaType, DateTimeOffset ReadAt);

/// <summary>A manifest body as the registry returned it.</summary>
/// <param name="Digest">The <c>Docker-Content-Digest</c>, or the SHA-256 of the body when the registry sent none.</param>
/// <param name="ContentType">The <c>Content-Type</c>.</param>
/// <param name="Body">The body.</param>
public sealed record ManifestContent(string Digest, string? ContentType, byte[] Body)
{
    /// <summary>Parses the body.</summary>
    /// <exception cref="FormatException">The body is not an image manifest or index.</exception>
    public ParsedManifest Parse() => ManifestParser.Parse(Body, ContentType);
}
