using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PortusFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// Builds images in an OCI layout with umoci and pushes them with skopeo, as a registry client would, without a
/// Docker engine.
/// </summary>
internal sealed class ImageFactory : IDisposable
{
    private readonly string _layout;
    private readonly SemaphoreSlim _lock = new(1, 1);

    private ImageFactory(string layout)
    {
        _layout = layout;
    }

    /// <summary>Creates an empty OCI layout in a temporary folder.</summary>
    public static async Task<ImageFactory> CreateAsync()
    {
        var layout = Path.Combine(TestTools.TemporaryFolder("layout"), "oci");
        await ExternalProcess.RunAsync(TestTools.Umoci, "init", "--layout", layout).ConfigureAwait(false);
        return new ImageFactory(layout);
    }

    /// <summary>
    /// Builds an image named <paramref name="name"/> in the layout with one file whose content is unique to it, so
    /// every image has its own digest.
    /// </summary>
    public async Task BuildAsync(string name, string architecture = "amd64")
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            var source = Path.Combine(Path.GetDirectoryName(_layout)!, $"{name}.txt");
            await File.WriteAllTextAsync(source, $"{name} {Guid.NewGuid()}").ConfigureAwait(false);
            var image = $"{_layout}:{name}";
            await ExternalProcess.RunAsync(TestTools.Umoci, "new", "--image", image).ConfigureAwait(false);
            await ExternalProcess.RunAsync(TestTools.Umoci, "insert", "--image", image, source, $"/{name}.txt").ConfigureAwait(false);
            await ExternalProcess.RunAsync(TestTools.Umoci, "config", "--image", image, "--architecture", architecture, "--os", "linux").ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Adds an OCI image index named <paramref name="name"/> over images built earlier, with their platforms.</summary>
    public async Task BuildIndexAsync(string name, params string[] images)
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            var indexPath = Path.Combine(_layout, "index.json");
            var layoutIndex = JsonNode.Parse(await File.ReadAllTextAsync(indexPath).ConfigureAwait(false))!;
            var entries = layoutIndex["manifests"]!.AsArray();
            var children = new JsonArray();
            foreach (var image in images)
            {
                var entry = entries.First(node => (string?)node!["annotations"]?["org.opencontainers.image.ref.name"] == image)!;
                var manifest = JsonNode.Parse(await ReadBlobAsync((string)entry["digest"]!).ConfigureAwait(false))!;
                var config = JsonNode.Parse(await ReadBlobAsync((string)manifest["config"]!["digest"]!).ConfigureAwait(false))!;
                children.Add(new JsonObject
                {
                    ["mediaType"] = (string?)entry["mediaType"],
                    ["digest"] = (string?)entry["digest"],
                    ["size"] = (long)entry["size"]!,
                    ["platform"] = new JsonObject { ["architecture"] = (string?)config["architecture"], ["os"] = (string?)config["os"] },
                });
            }

            var index = new JsonObject
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = "application/vnd.oci.image.index.v1+json",
                ["manifests"] = children,
            };
            var bytes = Encoding.UTF8.GetBytes(index.ToJsonString());
            var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
            await File.WriteAllBytesAsync(Path.Combine(_layout, "blobs", "sha256", digest[7..]), bytes).ConfigureAwait(false);
            entries.Add(new JsonObject
            {
                ["mediaType"] = "application/vnd.oci.image.index.v1+json",
                ["digest"] = digest,
                ["size"] = bytes.Length,
                ["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = name },
            });
            await File.WriteAllTextAsync(indexPath, layoutIndex.ToJsonString(new JsonSerializerOptions { WriteIndented = false })).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Pushes image or index <paramref name="name"/> to <c>REGISTRY/REPOSITORY:TAG</c> with skopeo.</summary>
    /// <param name="name">Name of the image in the layout.</param>
    /// <param name="registry">Target registry.</param>
    /// <param name="reference">Repository and tag, as <c>team/app:v1</c>.</param>
    /// <param name="dockerFormat">Push as a Docker v2 schema 2 manifest instead of OCI.</param>
    /// <param name="credentials">User and password as <c>USER:PASSWORD</c> for a registry that requires them.</param>
    public Task PushAsync(string name, RegistryServer registry, string reference, bool dockerFormat = false, string? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(registry);

        var arguments = new List<string> { "copy", "--all", "--dest-tls-verify=false" };
        if (dockerFormat)
        {
            arguments.AddRange(["--format", "v2s2"]);
        }

        if (credentials is not null)
        {
            arguments.Add("--dest-creds=" + credentials);
        }

        arguments.AddRange([$"oci:{_layout}:{name}", $"docker://{registry.Host}/{reference}"]);
        return ExternalProcess.RunAsync(TestTools.Skopeo, [.. arguments]);
    }

    /// <summary>Copies an image from one reference to another inside the registry, as a retag does.</summary>
    public static Task RetagAsync(RegistryServer registry, string source, string target, string? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(registry);

        string[] arguments = credentials is null
            ? ["copy", "--all", "--src-tls-verify=false", "--dest-tls-verify=false"]
            : ["copy", "--all", "--src-tls-verify=false", "--dest-tls-verify=false", "--src-creds=" + credentials, "--dest-creds=" + credentials];
        return ExternalProcess.RunAsync(TestTools.Skopeo, [.. arguments, $"docker://{registry.Host}/{source}", $"docker://{registry.Host}/{target}"]);
    }

    /// <inheritdoc/>
    public void Dispose() => _lock.Dispose();

    private Task<string> ReadBlobAsync(string digest) =>
        File.ReadAllTextAsync(Path.Combine(_layout, "blobs", "sha256", digest["sha256:".Length..]));
}
