using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Registry;

namespace PortusFunctions.Bench;

/// <summary>
/// An initial catalog import from a real registry into an empty store, against the floor: the same registry
/// requests made by a plain concurrent HttpClient that stores nothing.
/// </summary>
internal static class ImportBenchmark
{
    private const int Concurrency = 8;

    public static async Task RunAsync(string tables, BenchOptions options)
    {
        var tags = options.Repositories * options.TagsPerRepository;
        await using var registry = await RegistryServer.StartAsync().ConfigureAwait(false);
        var seeding = await Report.TimeAsync(() => RegistrySeeder.SeedAsync(registry.Url, options.Repositories, options.TagsPerRepository)).ConfigureAwait(false);
        Console.WriteLine($"seeded {options.Repositories} repositories with {tags} tags in {seeding.TotalSeconds:0.0} s");

        var floor = await MeasureFloorAsync(registry.Url).ConfigureAwait(false);
        var rows = new List<IReadOnlyList<string>>
        {
            new[] { "floor: same requests, no store", Report.Number(floor.Elapsed.TotalSeconds, "0.0"), floor.Requests.ToString(), "-", "-", "1.00" },
        };

        var settings = new Dictionary<string, string>
        {
            ["Registry__Url"] = registry.Url.ToString(),
            ["Registry__MaxConcurrency"] = Concurrency.ToString(),
            ["Sync__Strategy"] = "initial",
            ["Sync__Schedule"] = "*/1 * * * * *",
            ["Sync__TimeBudget"] = "00:28:00",
            ["Sync__SettleMargin"] = "00:00:00",
        };
        await using var host = await HostProcess.StartAsync(tables, settings).ConfigureAwait(false);
        var import = await WaitForImportAsync(host).ConfigureAwait(false);
        var peak = ProcessMemory.PeakMiB(host.ProcessId);
        rows.Add(["app: sync, strategy initial, empty store", Report.Number(import.TotalSeconds, "0.0"), "-", "-", Report.Number(peak ?? double.NaN),
            Report.Ratio(import / floor.Elapsed)]);

        var before = await SnapshotAsync(tables, host.Settings["Storage__TablePrefix"]).ConfigureAwait(false);
        await host.KillAsync().ConfigureAwait(false);
        settings["Sync__Strategy"] = "update";
        await using var second = await HostProcess.StartAsync(tables, WithPrefix(settings, host.Settings["Storage__TablePrefix"])).ConfigureAwait(false);
        var unchanged = await WaitForUpdatePassAsync(second).ConfigureAwait(false);
        var after = await SnapshotAsync(tables, host.Settings["Storage__TablePrefix"]).ConfigureAwait(false);
        var writes = after.Count(row => !before.TryGetValue(row.Key, out var etag) || etag != row.Value) + before.Keys.Count(key => !after.ContainsKey(key));
        rows.Add(["app: sync, strategy update, nothing changed", Report.Number(unchanged.TotalSeconds, "0.0"), "-", writes.ToString(), "-",
            Report.Ratio(unchanged / floor.Elapsed)]);

        if (options.Naive)
        {
            var naive = await NaiveImporter.RunAsync(registry.Url, tables).ConfigureAwait(false);
            rows.Add(["naive: one request at a time, one table write per entity", Report.Number(naive.TotalSeconds, "0.0"), "-", "-", "-",
                Report.Ratio(naive / floor.Elapsed)]);
        }

        Report.Table(
            $"Catalog import: {options.Repositories} repositories x {options.TagsPerRepository} tags = {tags} tags, {Concurrency} requests in parallel",
            ["path", "seconds", "registry requests", "table writes", "host peak RSS MiB", "ratio to floor"],
            rows);
    }

    private static Dictionary<string, string> WithPrefix(Dictionary<string, string> settings, string prefix) =>
        new(settings) { ["Storage__TablePrefix"] = prefix };

    /// <summary>Makes the requests an initial import makes: catalog pages, tag lists, a HEAD per tag, a GET per digest.</summary>
    private static async Task<(TimeSpan Elapsed, int Requests)> MeasureFloorAsync(Uri registry)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency };
        using var client = new HttpClient(handler) { BaseAddress = registry };
        using var gate = new SemaphoreSlim(Concurrency);
        var requests = 0;
        async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path)
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                Interlocked.Increment(ref requests);
                using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
                foreach (var mediaType in MediaTypes.Manifests)
                {
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
                }

                var response = await client.SendAsync(request).ConfigureAwait(false);
                await response.Content.LoadIntoBufferAsync().ConfigureAwait(false);
                return response;
            }
            finally
            {
                gate.Release();
            }
        }

        var watch = Stopwatch.StartNew();
        var repositories = new List<string>();
        var next = "v2/_catalog?n=1000";
        while (next is not null)
        {
            using var page = await SendAsync(HttpMethod.Get, next).ConfigureAwait(false);
            var names = (await page.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false)).GetProperty("repositories").EnumerateArray().Select(name => name.GetString()!).ToList();
            repositories.AddRange(names);
            next = page.Headers.TryGetValues("Link", out var links) ? links.First().Split(';')[0].Trim('<', '>', ' ').TrimStart('/') : null;
        }

        var digests = new ConcurrentDictionary<string, bool>();
        await Parallel.ForEachAsync(repositories, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (repository, cancellationToken) =>
        {
            using var list = await SendAsync(HttpMethod.Get, $"v2/{repository}/tags/list").ConfigureAwait(false);
            var tags = (await list.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false)).GetProperty("tags").EnumerateArray().Select(tag => tag.GetString()!);
            await Task.WhenAll(tags.Select(async tag =>
            {
                using var head = await SendAsync(HttpMethod.Head, $"v2/{repository}/manifests/{tag}").ConfigureAwait(false);
                var digest = head.Headers.GetValues("Docker-Content-Digest").First();
                if (digests.TryAdd($"{repository}@{digest}", true))
                {
                    using var manifest = await SendAsync(HttpMethod.Get, $"v2/{repository}/manifests/{digest}").ConfigureAwait(false);
                }
            })).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return (watch.Elapsed, requests);
    }

    /// <summary>Waits until the import finished; returns the time from the first run's start to its end.</summary>
    private static async Task<TimeSpan> WaitForImportAsync(HostProcess host)
    {
        DateTimeOffset? started = null;
        while (true)
        {
            var status = await StatusAsync(host).ConfigureAwait(false);
            if (status.TryGetProperty("run", out var run) && run.ValueKind == JsonValueKind.Object)
            {
                var runStart = run.GetProperty("startedAt").GetDateTimeOffset();
                started = started is null || runStart < started ? runStart : started;
            }

            if (status.GetProperty("initialImportFinishedAt").ValueKind == JsonValueKind.String)
            {
                return status.GetProperty("initialImportFinishedAt").GetDateTimeOffset() - started!.Value;
            }

            await Task.Delay(200).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for the first completed run of the restarted host; returns its duration.</summary>
    private static async Task<TimeSpan> WaitForUpdatePassAsync(HostProcess host)
    {
        var since = DateTimeOffset.UtcNow;
        while (true)
        {
            var status = await StatusAsync(host).ConfigureAwait(false);
            if (status.TryGetProperty("run", out var run) && run.ValueKind == JsonValueKind.Object
                && run.GetProperty("startedAt").GetDateTimeOffset() >= since.AddSeconds(-5)
                && run.GetProperty("status").GetString() == "completed")
            {
                return run.GetProperty("finishedAt").GetDateTimeOffset() - run.GetProperty("startedAt").GetDateTimeOffset();
            }

            await Task.Delay(200).ConfigureAwait(false);
        }
    }

    private static async Task<JsonElement> StatusAsync(HostProcess host)
    {
        using var response = await host.Client.GetAsync(new Uri("api/sync/status", UriKind.Relative)).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
    }

    /// <summary>Returns the ETag of every row of the image tables, to count the rows a run wrote.</summary>
    private static async Task<Dictionary<string, string>> SnapshotAsync(string tables, string prefix)
    {
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        var service = new TableServiceClient(tables);
        foreach (var name in new[] { "Images", "Repositories" })
        {
            await foreach (var row in service.GetTableClient(prefix + name).QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"]).ConfigureAwait(false))
            {
                rows[$"{name}/{row.PartitionKey}/{row.RowKey}"] = row.ETag.ToString();
            }
        }

        return rows;
    }
}
