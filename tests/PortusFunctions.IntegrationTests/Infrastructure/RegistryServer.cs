using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Serialization;
using PortusFunctions.Registry;

namespace PortusFunctions.IntegrationTests.Infrastructure;

/// <summary>Debian's distribution registry on 127.0.0.1, with deletes enabled and an optional notification endpoint.</summary>
internal sealed class RegistryServer : IAsyncDisposable
{
    private readonly string _configPath;
    private readonly string _storage;
    private ExternalProcess? _process;

    private RegistryServer(int port, string configPath, string storage)
    {
        Port = port;
        _configPath = configPath;
        _storage = storage;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
    }

    /// <summary>Port of the registry.</summary>
    public int Port { get; }

    /// <summary><c>127.0.0.1:PORT</c>, as image references name the registry.</summary>
    public string Host => $"127.0.0.1:{Port}";

    /// <summary>Base URL of the registry API.</summary>
    public Uri Url => new($"http://127.0.0.1:{Port}");

    /// <summary>A client with the registry as base address.</summary>
    public HttpClient Client { get; }

    /// <summary>Output of the registry process.</summary>
    public string Output => _process?.Output ?? "";

    /// <summary>Starts a registry that stores in a fresh folder.</summary>
    /// <param name="notificationUrl">Endpoint to notify of every event, or null for none.</param>
    /// <param name="secret">Secret sent as <c>Authorization: Bearer SECRET</c> with every notification.</param>
    /// <param name="timeout">Notification timeout; 1 s is the registry's default.</param>
    /// <param name="auth">The <c>auth:</c> section of the configuration, indented below it, or null for anonymous access.</param>
    /// <param name="port">Port to listen on, for a host that must know the registry's URL before it starts; a free one when null.</param>
    /// <param name="basicCredentials">User and password that the registry requires with HTTP Basic authentication, and that <see cref="Client"/> sends; null for none.</param>
    public static async Task<RegistryServer> StartAsync(
        Uri? notificationUrl = null,
        string? secret = null,
        TimeSpan? timeout = null,
        string? auth = null,
        int? port = null,
        (string User, string Password)? basicCredentials = null)
    {
        if (basicCredentials is { } basic)
        {
            auth = await BasicAuthSectionAsync(basic.User, basic.Password).ConfigureAwait(false);
        }

        var folder = TestTools.TemporaryFolder("registry");
        port ??= TestTools.FreePort();
        var config = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"""
            version: 0.1
            log:
              level: info
            storage:
              filesystem:
                rootdirectory: {folder}/data
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{port}
            """));
        config.AppendLine();
        if (notificationUrl is not null)
        {
            config.Append(CultureInfo.InvariantCulture, $"""
                notifications:
                  events:
                    includereferences: true
                  endpoints:
                    - name: portus
                      url: {notificationUrl}
                      headers:
                        Authorization: [Bearer {secret}]
                      timeout: {(int)(timeout ?? TimeSpan.FromSeconds(5)).TotalMilliseconds}ms
                      threshold: 3
                      backoff: 500ms
                """);
            config.AppendLine();
        }

        if (auth is not null)
        {
            config.AppendLine("auth:");
            config.AppendLine(auth);
        }

        var configPath = Path.Combine(folder, "config.yml");
        await File.WriteAllTextAsync(configPath, config.ToString()).ConfigureAwait(false);

        var server = new RegistryServer(port.Value, configPath, Path.Combine(folder, "data"));
        if (basicCredentials is { } credentials)
        {
            server.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.User}:{credentials.Password}")));
        }

        await server.StartAgainAsync().ConfigureAwait(false);
        return server;
    }

    /// <summary>
    /// Returns the <c>auth:</c> section of a registry that requires HTTP Basic authentication as
    /// <paramref name="user"/> with <paramref name="password"/>, from an htpasswd file with a bcrypt hash.
    /// </summary>
    public static async Task<string> BasicAuthSectionAsync(string user, string password)
    {
        var path = Path.Combine(TestTools.TemporaryFolder("htpasswd"), "htpasswd");
        var line = await ExternalProcess.RunAsync(TestTools.Htpasswd, "-Bbn", user, password).ConfigureAwait(false);
        await File.WriteAllTextAsync(path, line).ConfigureAwait(false);
        return $"""
              htpasswd:
                realm: portus-test
                path: {path}
            """;
    }

    /// <summary>Stops the registry process; its storage stays.</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync().ConfigureAwait(false);
            _process = null;
        }
    }

    /// <summary>Starts the registry again with the same storage and port.</summary>
    public async Task StartAgainAsync()
    {
        _process = await ExternalProcess.StartAsync(TestTools.Registry, ["serve", _configPath], Port).ConfigureAwait(false);
    }

    /// <summary>Returns the registry's catalog, following every page.</summary>
    public async Task<IReadOnlyList<string>> CatalogAsync()
    {
        var repositories = new List<string>();
        var next = "v2/_catalog?n=100";
        while (next is not null)
        {
            using var response = await Client.GetAsync(new Uri(next, UriKind.Relative)).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var page = await response.Content.ReadFromJsonAsync<CatalogPage>().ConfigureAwait(false);
            repositories.AddRange(page?.Repositories ?? []);
            next = response.Headers.TryGetValues("Link", out var links) ? links.First().Split(';')[0].Trim('<', '>', ' ').TrimStart('/') : null;
        }

        return repositories;
    }

    /// <summary>Returns the tags of a repository and the digest each points at; empty when it has none.</summary>
    public async Task<IReadOnlyDictionary<string, string>> TagsAsync(string repository)
    {
        using var response = await Client.GetAsync(new Uri($"v2/{repository}/tags/list", UriKind.Relative)).ConfigureAwait(false);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return new Dictionary<string, string>();
        }

        response.EnsureSuccessStatusCode();
        var list = await response.Content.ReadFromJsonAsync<TagList>().ConfigureAwait(false);
        var tags = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in list?.Tags ?? [])
        {
            tags[tag] = await DigestAsync(repository, tag).ConfigureAwait(false);
        }

        return tags;
    }

    /// <summary>Returns the digest of a manifest by tag or digest.</summary>
    public async Task<string> DigestAsync(string repository, string reference)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, new Uri($"v2/{repository}/manifests/{reference}", UriKind.Relative));
        foreach (var mediaType in MediaTypes.Manifests)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
        }

        using var response = await Client.SendAsync(request).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return response.Headers.GetValues("Docker-Content-Digest").First();
    }

    /// <summary>
    /// Removes a repository from the registry's storage, as an operator or a registry that deletes repositories
    /// does; Debian's registry 2.8.2 has no API for it and keeps listing a repository whose manifests are deleted.
    /// </summary>
    public void RemoveRepository(string repository) =>
        Directory.Delete(Path.Combine(_storage, "docker", "registry", "v2", "repositories", repository), recursive: true);

    /// <summary>
    /// Returns the number of manifests of each repository that has any, read from the registry's storage: a
    /// manifest is held while its revision link exists, and a delete by digest removes that link. Index children
    /// count as manifests of their own, as the registry stores them.
    /// </summary>
    public SortedDictionary<string, int> ManifestCounts()
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var root = Path.Combine(_storage, "docker", "registry", "v2", "repositories");
        if (!Directory.Exists(root))
        {
            return counts;
        }

        foreach (var manifests in Directory.EnumerateDirectories(root, "_manifests", SearchOption.AllDirectories))
        {
            var revisions = Path.Combine(manifests, "revisions");
            var count = Directory.Exists(revisions)
                ? Directory.EnumerateFiles(revisions, "link", SearchOption.AllDirectories).Count()
                : 0;
            if (count > 0)
            {
                var repository = Path.GetRelativePath(root, Path.GetDirectoryName(manifests)!).Replace(Path.DirectorySeparatorChar, '/');
                counts[repository] = count;
            }
        }

        return counts;
    }

    /// <summary>Deletes a manifest by digest, which removes every tag at it.</summary>
    public async Task DeleteManifestAsync(string repository, string digest)
    {
        using var response = await Client.DeleteAsync(new Uri($"v2/{repository}/manifests/{digest}", UriKind.Relative)).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"DELETE {repository}@{digest} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        Client.Dispose();
    }

    private sealed record CatalogPage([property: JsonPropertyName("repositories")] List<string>? Repositories);

    private sealed record TagList([property: JsonPropertyName("tags")] List<string>? Tags);
}
