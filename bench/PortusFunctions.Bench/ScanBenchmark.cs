using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PortusFunctions.IntegrationTests.Infrastructure;

namespace PortusFunctions.Bench;

/// <summary>
/// Digests scanned per minute through a Harbor-style adapter that answers at once, against the floor: the same scan
/// requests sent straight to the adapter.
/// </summary>
internal static class ScanBenchmark
{
    private const int Concurrency = 4;

    public static async Task RunAsync(string tables, BenchOptions options)
    {
        await using var registry = await RegistryServer.StartAsync().ConfigureAwait(false);
        await using var adapter = await HarborAdapterServer.StartAsync().ConfigureAwait(false);
        adapter.PendingPolls = 0;
        var floor = await MeasureFloorAsync(adapter.Url, options.Digests).ConfigureAwait(false);

        var settings = new Dictionary<string, string>
        {
            ["Registry__Url"] = registry.Url.ToString(),
            ["Scan__Scanner"] = "harbor",
            ["Scan__Url"] = adapter.Url.ToString(),
            ["Scan__Concurrency"] = Concurrency.ToString(),
            ["Scan__TimeBudget"] = "00:25:00",
            ["Scan__Schedule"] = "0 0 0 1 1 *",
        };
        await using (var seeding = await HostProcess.StartAsync(tables, settings).ConfigureAwait(false))
        {
            settings["Storage__TablePrefix"] = seeding.Settings["Storage__TablePrefix"];
            await SeedAsync(seeding, options.Digests).ConfigureAwait(false);
        }

        settings["Scan__Schedule"] = "*/1 * * * * *";
        await using var host = await HostProcess.StartAsync(tables, settings).ConfigureAwait(false);
        var job = await WaitForScansAsync(host, options.Digests).ConfigureAwait(false);

        var rows = new List<IReadOnlyList<string>>
        {
            new[] { "floor: scan requests straight to the adapter", Report.Number(floor.TotalSeconds, "0.0"), Report.Number(options.Digests / floor.TotalMinutes), "-", "1.00" },
            new[] { "app: scan job", Report.Number(job.TotalSeconds, "0.0"), Report.Number(options.Digests / job.TotalMinutes),
                Report.Number((job - floor).TotalMilliseconds / options.Digests, "0.0"), Report.Ratio(job / floor) },
        };
        Report.Table(
            $"Scanning: {options.Digests} digests, adapter answers at once, {Concurrency} scans in parallel",
            ["path", "seconds", "digests/min", "job overhead ms/digest", "ratio to floor"],
            rows);
    }

    private static async Task SeedAsync(HostProcess host, int digests)
    {
        using var client = new HttpClient();
        foreach (var envelope in EventWorkload.Envelopes(digests, 100, 10_000_000))
        {
            using var content = new StringContent(envelope, Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var request = new HttpRequestMessage(HttpMethod.Post, host.WebhookUrl) { Content = content };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PortusHost.Secret);
            using var response = await client.SendAsync(request).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
        }

        while ((await OverviewAsync(host).ConfigureAwait(false)).GetProperty("manifests").GetInt32() < digests)
        {
            await Task.Delay(200).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until every digest has a report; returns the span from the first run's start to the last run's end.</summary>
    private static async Task<TimeSpan> WaitForScansAsync(HostProcess host, int digests)
    {
        while (true)
        {
            var overview = await OverviewAsync(host).ConfigureAwait(false);
            var statuses = overview.GetProperty("scanStatuses");
            var completed = statuses.TryGetProperty("completed", out var value) ? value.GetInt32() : 0;
            var runs = overview.GetProperty("scanRuns").EnumerateArray().ToList();
            if (completed >= digests && runs.Count > 0 && runs[0].GetProperty("finishedAt").ValueKind == JsonValueKind.String)
            {
                var first = runs.Min(run => run.GetProperty("startedAt").GetDateTimeOffset());
                var last = runs.Max(run => run.GetProperty("finishedAt").GetDateTimeOffset());
                return last - first;
            }

            await Task.Delay(200).ConfigureAwait(false);
        }
    }

    private static async Task<JsonElement> OverviewAsync(HostProcess host)
    {
        using var response = await host.Client.GetAsync(new Uri("api/overview", UriKind.Relative)).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
    }

    /// <summary>Sends the metadata request once, then a scan request and a report poll per digest.</summary>
    private static async Task<TimeSpan> MeasureFloorAsync(Uri adapter, int digests)
    {
        using var client = new HttpClient { BaseAddress = adapter };
        var watch = Stopwatch.StartNew();
        using (var metadata = await client.GetAsync(new Uri("api/v1/metadata", UriKind.Relative)).ConfigureAwait(false))
        {
            metadata.EnsureSuccessStatusCode();
        }

        await Parallel.ForEachAsync(Enumerable.Range(0, digests), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (index, cancellationToken) =>
        {
            var body = $$$"""
                {"registry":{"url":"http://127.0.0.1:5000"},
                 "artifact":{"repository":"bench/app","digest":"{{{EventWorkload.Digest($"floor-{index}")}}}","tag":"v1","mime_type":"application/vnd.oci.image.manifest.v1+json"}}
                """;
            using var content = new StringContent(body, Encoding.UTF8);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/vnd.scanner.adapter.scan.request+json; version=1.0");
            using var submitted = await client.PostAsync(new Uri("api/v1/scan", UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
            var id = (await submitted.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false)).GetProperty("id").GetString();
            using var report = new HttpRequestMessage(HttpMethod.Get, new Uri($"api/v1/scan/{id}/report", UriKind.Relative));
            report.Headers.Accept.ParseAdd(HarborAdapterServer.ReportMediaType);
            using var response = await client.SendAsync(report, cancellationToken).ConfigureAwait(false);
            await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return watch.Elapsed;
    }
}
