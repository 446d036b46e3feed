using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace PortusFunctions.Bench;

/// <summary>
/// Fills a registry through its HTTP API: one config and one layer blob, mounted into every repository, and one OCI
/// manifest per tag with an annotation that gives it its own digest.
/// </summary>
internal static class RegistrySeeder
{
    private const string ManifestType = "application/vnd.oci.image.manifest.v1+json";

    public static async Task SeedAsync(Uri registry, int repositories, int tagsPerRepository)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 32 };
        using var client = new HttpClient(handler) { BaseAddress = registry };
        var config = Encoding.UTF8.GetBytes("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""");
        var layer = RandomNumberGenerator.GetBytes(1024);
        var first = Name(0);
        var configDigest = await UploadAsync(client, first, config).ConfigureAwait(false);
        var layerDigest = await UploadAsync(client, first, layer).ConfigureAwait(false);

        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < repositories)
            {
                var name = Name(index);
                if (index > 0)
                {
                    await MountAsync(client, name, first, configDigest).ConfigureAwait(false);
                    await MountAsync(client, name, first, layerDigest).ConfigureAwait(false);
                }

                for (var tag = 0; tag < tagsPerRepository; tag++)
                {
                    var manifest = $$$"""
                        {"schemaVersion":2,"mediaType":"{{{ManifestType}}}",
                         "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{{configDigest}}}","size":{{{config.Length}}}},
                         "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{{{layerDigest}}}","size":{{{layer.Length}}}}],
                         "annotations":{"bench.reference":"{{{name}}}:t{{{tag}}}"}}
                        """;
                    using var content = new StringContent(manifest, Encoding.UTF8);
                    content.Headers.ContentType = new MediaTypeHeaderValue(ManifestType);
                    using var response = await client.PutAsync(new Uri($"v2/{name}/manifests/t{tag}", UriKind.Relative), content).ConfigureAwait(false);
                    Ensure(response, HttpStatusCode.Created, $"PUT manifest {name}:t{tag}");
                }
            }
        })).ConfigureAwait(false);
    }

    /// <summary>Name of repository number <paramref name="index"/>; names spread over namespaces, as real registries do.</summary>
    public static string Name(int index) => $"ns{index % 50:D2}/app{index:D6}";

    private static async Task<string> UploadAsync(HttpClient client, string repository, byte[] blob)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(blob));
        using var start = await client.PostAsync(new Uri($"v2/{repository}/blobs/uploads/", UriKind.Relative), null).ConfigureAwait(false);
        Ensure(start, HttpStatusCode.Accepted, "start upload");
        var location = start.Headers.Location!;
        var target = location.IsAbsoluteUri ? location : new Uri(client.BaseAddress!, location);
        var separator = target.Query.Length == 0 ? "?" : "&";
        using var content = new ByteArrayContent(blob);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var put = await client.PutAsync(new Uri($"{target}{separator}digest={Uri.EscapeDataString(digest)}"), content).ConfigureAwait(false);
        Ensure(put, HttpStatusCode.Created, "finish upload");
        return digest;
    }

    private static async Task MountAsync(HttpClient client, string repository, string from, string digest)
    {
        using var response = await client.PostAsync(
            new Uri($"v2/{repository}/blobs/uploads/?mount={Uri.EscapeDataString(digest)}&from={Uri.EscapeDataString(from)}", UriKind.Relative),
            null).ConfigureAwait(false);
        Ensure(response, HttpStatusCode.Created, $"mount {digest} into {repository}");
    }

    private static void Ensure(HttpResponseMessage response, HttpStatusCode expected, string step)
    {
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"Seeding the registry failed at {step}: {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
    }
}
