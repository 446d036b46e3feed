using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PortusFunctions.IntegrationTests.Infrastructure;

namespace PortusFunctions.Bench;

/// <summary>Moderate webhook load for several minutes: latency, memory and backlog per minute.</summary>
internal static class SoakBenchmark
{
    private const int RequestsPerSecond = 50;

    public static async Task RunAsync(string tables, BenchOptions options)
    {
        await using var host = await HostProcess.StartAsync(tables).ConfigureAwait(false);
        using var client = new HttpClient();
        var rows = new List<IReadOnlyList<string>>();
        var sequence = 0;
        for (var minute = 1; minute <= options.SoakMinutes; minute++)
        {
            var latency = new LatencyRecorder();
            var watch = Stopwatch.StartNew();
            var sent = 0;
            var inFlight = new List<Task>();
            while (watch.Elapsed < TimeSpan.FromMinutes(1))
            {
                var due = TimeSpan.FromSeconds((double)sent / RequestsPerSecond);
                if (due > watch.Elapsed)
                {
                    await Task.Delay(due - watch.Elapsed).ConfigureAwait(false);
                }

                var envelope = EventWorkload.Envelopes(1, 200, sequence++)[0];
                inFlight.Add(PostAsync(client, host.WebhookUrl, envelope, latency));
                sent++;
            }

            await Task.WhenAll(inFlight).ConfigureAwait(false);
            var overview = await host.Client.GetFromJsonAsync<JsonElement>("api/overview").ConfigureAwait(false);
            rows.Add(
            [
                minute.ToString(), sent.ToString(), Report.Number(latency.Percentile(50), "0.0"), Report.Number(latency.Percentile(99), "0.0"),
                Report.Number(ProcessMemory.CurrentMiB(host.ProcessId) ?? double.NaN), overview.GetProperty("pendingEvents").GetInt32().ToString(),
            ]);
        }

        Report.Table(
            $"Soak: {RequestsPerSecond} single-event deliveries per second for {options.SoakMinutes} minutes",
            ["minute", "requests", "p50 ms", "p99 ms", "host RSS MiB", "pending events at end of minute"],
            rows);
    }

    private static async Task PostAsync(HttpClient client, Uri webhook, string envelope, LatencyRecorder latency)
    {
        using var content = new StringContent(envelope, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.docker.distribution.events.v1+json");
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PortusHost.Secret);
        var started = Stopwatch.GetTimestamp();
        using var response = await client.SendAsync(request).ConfigureAwait(false);
        latency.Add(Stopwatch.GetElapsedTime(started));
    }
}
