using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace PortusFunctions.IntegrationTests.Infrastructure;

/// <summary>The host's read API as a map from repository to tags and digests.</summary>
internal static class ReadApi
{
    /// <summary>Returns every repository with tags, and each tag's digest, as the read API reports them.</summary>
    public static async Task<SortedDictionary<string, SortedDictionary<string, string>>> TaggedRepositoriesAsync(HttpClient client)
    {
        ArgumentNullException.ThrowIfNull(client);

        var state = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        var list = await client.GetFromJsonAsync<RepositoryList>("api/repositories").ConfigureAwait(false);
        foreach (var repository in list!.Repositories.Where(repository => repository.TagCount > 0))
        {
            using var response = await client.GetAsync(new Uri($"api/repositories/tags?repository={Uri.EscapeDataString(repository.Name)}", UriKind.Relative)).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                continue;
            }

            response.EnsureSuccessStatusCode();
            var tags = await response.Content.ReadFromJsonAsync<TagList>().ConfigureAwait(false);
            state[repository.Name] = new SortedDictionary<string, string>(tags!.Tags.ToDictionary(tag => tag.Name, tag => tag.Digest), StringComparer.Ordinal);
        }

        return state;
    }

    /// <summary>Returns the number of manifests of each repository that the read API lists.</summary>
    public static async Task<SortedDictionary<string, int>> ManifestCountsAsync(HttpClient client)
    {
        ArgumentNullException.ThrowIfNull(client);

        var list = await client.GetFromJsonAsync<RepositoryList>("api/repositories").ConfigureAwait(false);
        return new SortedDictionary<string, int>(list!.Repositories.ToDictionary(repository => repository.Name, repository => repository.ManifestCount), StringComparer.Ordinal);
    }

    /// <summary>Returns the number of tags of each repository that the read API lists, as its counts keep them.</summary>
    public static async Task<SortedDictionary<string, int>> TagCountsAsync(HttpClient client)
    {
        ArgumentNullException.ThrowIfNull(client);

        var list = await client.GetFromJsonAsync<RepositoryList>("api/repositories").ConfigureAwait(false);
        return new SortedDictionary<string, int>(
            list!.Repositories.Where(repository => repository.TagCount > 0).ToDictionary(repository => repository.Name, repository => repository.TagCount),
            StringComparer.Ordinal);
    }

    /// <summary>Returns the registry's repositories that have tags, and each tag's digest.</summary>
    public static async Task<SortedDictionary<string, SortedDictionary<string, string>>> TaggedRepositoriesAsync(RegistryServer registry)
    {
        ArgumentNullException.ThrowIfNull(registry);

        var state = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var repository in await registry.CatalogAsync().ConfigureAwait(false))
        {
            var tags = await registry.TagsAsync(repository).ConfigureAwait(false);
            if (tags.Count > 0)
            {
                state[repository] = new SortedDictionary<string, string>(tags.ToDictionary(), StringComparer.Ordinal);
            }
        }

        return state;
    }

    /// <summary>Renders a state as text, so that an assertion failure shows both sides.</summary>
    public static string Render(SortedDictionary<string, SortedDictionary<string, string>> state) =>
        string.Join("\n", state.Select(repository =>
            $"{repository.Key}: " + string.Join(", ", repository.Value.Select(tag => $"{tag.Key}={tag.Value[..19]}"))));

    internal sealed record RepositoryList([property: JsonPropertyName("repositories")] List<RepositoryItem> Repositories);

    internal sealed record RepositoryItem(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("namespace")] string? Namespace,
        [property: JsonPropertyName("tagCount")] int TagCount,
        [property: JsonPropertyName("manifestCount")] int ManifestCount);

    internal sealed record TagList(
        [property: JsonPropertyName("repository")] string Repository,
        [property: JsonPropertyName("tags")] List<TagItem> Tags);

    internal sealed record TagItem(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("digest")] string Digest,
        [property: JsonPropertyName("mediaType")] string? MediaType,
        [property: JsonPropertyName("pushedAt")] DateTimeOffset PushedAt);
}
