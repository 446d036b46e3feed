using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using PortusFunctions.Registry;
using PortusFunctions.Storage;

namespace PortusFunctions.Bench;

/// <summary>
/// The simplest importer that does the job: one registry request at a time, and one table write per tag, manifest
/// and repository. It shows what the sync's concurrency and batched commits are worth.
/// </summary>
internal static class NaiveImporter
{
    public static async Task<TimeSpan> RunAsync(Uri registry, string tables)
    {
        using var client = new HttpClient { BaseAddress = registry };
        var table = new TableServiceClient(tables).GetTableClient("naive" + Guid.NewGuid().ToString("N")[..12]);
        await table.CreateIfNotExistsAsync().ConfigureAwait(false);
        var watch = Stopwatch.StartNew();

        var next = "v2/_catalog?n=1000";
        while (next is not null)
        {
            using var page = await client.GetAsync(new Uri(next, UriKind.Relative)).ConfigureAwait(false);
            var repositories = (await page.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false)).GetProperty("repositories").EnumerateArray().Select(name => name.GetString()!).ToList();
            next = page.Headers.TryGetValues("Link", out var links) ? links.First().Split(';')[0].Trim('<', '>', ' ').TrimStart('/') : null;
            foreach (var repository in repositories)
            {
                await ImportRepositoryAsync(client, table, repository).ConfigureAwait(false);
            }
        }

        return watch.Elapsed;
    }

    private static async Task ImportRepositoryAsync(HttpClient client, TableClient table, string repository)
    {
        var partition = KeyCodec.Encode(repository);
        var list = await client.GetFromJsonAsync<JsonElement>(new Uri($"v2/{repository}/tags/list", UriKind.Relative)).ConfigureAwait(false);
        foreach (var tag in list.GetProperty("tags").EnumerateArray().Select(tag => tag.GetString()!))
        {
            using var head = new HttpRequestMessage(HttpMethod.Head, new Uri($"v2/{repository}/manifests/{tag}", UriKind.Relative));
            foreach (var mediaType in MediaTypes.Manifests)
            {
                head.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
            }

            using var headResponse = await client.SendAsync(head).ConfigureAwait(false);
            var digest = headResponse.Headers.GetValues("Docker-Content-Digest").First();
            using var manifest = new HttpRequestMessage(HttpMethod.Get, new Uri($"v2/{repository}/manifests/{digest}", UriKind.Relative));
            manifest.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(MediaTypes.OciManifest));
            using var manifestResponse = await client.SendAsync(manifest).ConfigureAwait(false);
            var body = await manifestResponse.Content.ReadAsStringAsync().ConfigureAwait(false);

            await table.UpsertEntityAsync(new TableEntity(partition, "tag|" + tag) { ["Digest"] = digest }).ConfigureAwait(false);
            await table.UpsertEntityAsync(new TableEntity(partition, "manifest|" + digest) { ["Size"] = body.Length }).ConfigureAwait(false);
        }

        await table.UpsertEntityAsync(new TableEntity("repositories", partition) { ["Name"] = repository }).ConfigureAwait(false);
    }
}
