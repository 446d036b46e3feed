using PortusFunctions.IntegrationTests.Infrastructure;

namespace PortusFunctions.IntegrationTests.Sync;

/// <summary>
/// A registry seeded with five repositories in every manifest format, and the changes that a sync must follow:
/// a tag moved, a manifest deleted with its two tags, a repository removed, and a repository left without tags.
/// </summary>
internal sealed class SyncScenario : IAsyncDisposable
{
    private readonly ImageFactory _images;

    private SyncScenario(RegistryServer registry, ImageFactory images, string? credentials)
    {
        Registry = registry;
        _images = images;
        Credentials = credentials;
    }

    /// <summary>The registry.</summary>
    public RegistryServer Registry { get; }

    /// <summary>Credentials of pushes, <c>USER:PASSWORD</c>, or null.</summary>
    public string? Credentials { get; }

    /// <summary>The tags of the seeded registry, by repository, as names of the images they point at.</summary>
    public static IReadOnlyDictionary<string, string[]> SeededTags { get; } = new SortedDictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["empty/repo"] = ["v1"],
        ["gone/repo"] = ["v1"],
        ["library/oci"] = ["old", "stable", "v1"],
        ["multi/app"] = ["latest"],
        ["team/app/api"] = ["also-v2", "v1", "v2"],
    };

    /// <summary>Starts a registry (with the given <c>auth:</c> section) and pushes the seed.</summary>
    /// <param name="auth">The registry's <c>auth:</c> section, or null for anonymous access.</param>
    /// <param name="credentials">Credentials of pushes, <c>USER:PASSWORD</c>, or null.</param>
    /// <param name="notificationUrl">Webhook the registry notifies of every event, with the test secret; null for none.</param>
    /// <param name="port">Port of the registry, for a host that must know its URL before it starts; a free one when null.</param>
    public static async Task<SyncScenario> SeedAsync(
        string? auth = null,
        string? credentials = null,
        Uri? notificationUrl = null,
        int? port = null)
    {
        var secret = notificationUrl is null ? null : PortusHost.Secret;
        var registry = await RegistryServer.StartAsync(notificationUrl, secret, auth: auth, port: port).ConfigureAwait(false);
        var images = await ImageFactory.CreateAsync().ConfigureAwait(false);
        var scenario = new SyncScenario(registry, images, credentials);
        foreach (var name in new[] { "oci", "docker", "old", "shared", "gone", "empty", "moved" })
        {
            await images.BuildAsync(name).ConfigureAwait(false);
        }

        await images.BuildAsync("amd", "amd64").ConfigureAwait(false);
        await images.BuildAsync("arm", "arm64").ConfigureAwait(false);
        await images.BuildIndexAsync("multi", "amd", "arm").ConfigureAwait(false);

        await scenario.PushAsync("oci", "library/oci:v1").ConfigureAwait(false);
        await scenario.RetagAsync("library/oci:v1", "library/oci:stable").ConfigureAwait(false);
        await scenario.PushAsync("old", "library/oci:old").ConfigureAwait(false);
        await scenario.PushAsync("docker", "team/app/api:v1", dockerFormat: true).ConfigureAwait(false);
        await scenario.PushAsync("shared", "team/app/api:v2").ConfigureAwait(false);
        await scenario.RetagAsync("team/app/api:v2", "team/app/api:also-v2").ConfigureAwait(false);
        await scenario.PushAsync("multi", "multi/app:latest").ConfigureAwait(false);
        await scenario.PushAsync("gone", "gone/repo:v1").ConfigureAwait(false);
        await scenario.PushAsync("empty", "empty/repo:v1").ConfigureAwait(false);
        return scenario;
    }

    /// <summary>
    /// Changes the registry: <c>library/oci:stable</c> moves to a new image, the manifest of
    /// <c>team/app/api:v2</c> is deleted with its tags v2 and also-v2, <c>gone/repo</c> is removed, and the only
    /// manifest of <c>empty/repo</c> is deleted, so the catalog lists it with <c>"tags": null</c>.
    /// </summary>
    public async Task ChangeAsync()
    {
        await PushAsync("moved", "library/oci:stable").ConfigureAwait(false);
        await DeleteManifestAsync("team/app/api", "v2").ConfigureAwait(false);
        await DeleteManifestAsync("empty/repo", "v1").ConfigureAwait(false);
        Registry.RemoveRepository("gone/repo");
    }

    /// <summary>Pushes image <paramref name="image"/> of the scenario's layout to <paramref name="reference"/>.</summary>
    public Task PushAsync(string image, string reference, bool dockerFormat = false) =>
        _images.PushAsync(image, Registry, reference, dockerFormat, Credentials);

    /// <summary>Copies one reference of the registry to another.</summary>
    public Task RetagAsync(string source, string target) => ImageFactory.RetagAsync(Registry, source, target, Credentials);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _images.Dispose();
        await Registry.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Deletes the manifest a tag points at, with every tag at it, as <c>skopeo delete</c> does.</summary>
    public Task DeleteManifestAsync(string repository, string tag)
    {
        string[] arguments = Credentials is null
            ? ["delete", "--tls-verify=false"]
            : ["delete", "--tls-verify=false", "--creds=" + Credentials];
        return ExternalProcess.RunAsync(TestTools.Skopeo, [.. arguments, $"docker://{Registry.Host}/{repository}:{tag}"]);
    }
}
