using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Azure.Data.Tables;
using PortusFunctions.Events;
using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Storage;

namespace PortusFunctions.Bench;

/// <summary>
/// Webhook ingestion through the bare-metal host into Azurite, against the floor: the same number of inbox rows
/// written straight to Azurite in transactions of 100, the best batching Table Storage allows.
/// </summary>
internal static class IngestBenchmark
{
    private static readonly int[] SenderCounts = [1, 8, 32];

    private static readonly Dictionary<string, string> ProductionDrain = new()
    {
        ["Inbox__DrainSchedule"] = new InboxOptions().DrainSchedule,
        ["Inbox__DrainDelay"] = new InboxOptions().DrainDelay.ToString(),
    };

    public static async Task RunAsync(string tables, BenchOptions options)
    {
        var floor = await MeasureFloorAsync(tables, options.Events).ConfigureAwait(false);
        var naive = await MeasureNaiveAsync(tables, Math.Min(options.Events, 2000)).ConfigureAwait(false);

        // The test settings drain the inbox every 2 s, so the benchmark runs the host with the production schedule.
        await using var host = await HostProcess.StartAsync(tables, ProductionDrain).ConfigureAwait(false);
        var rows = new List<IReadOnlyList<string>>
        {
            new[] { "floor: direct transactions of 100 rows", "-", Report.Number(floor.RowsPerSecond), "-", "-", "1.00" },
            new[] { "naive: one row per request, one at a time", "1", Report.Number(naive), "-", "-", Report.Ratio(naive / floor.RowsPerSecond) },
        };
        var sequence = 0;
        var inbox = new TableServiceClient(tables).GetTableClient(host.Settings["Storage__TablePrefix"] + TableNames.Inbox);
        var started = Stopwatch.StartNew();
        foreach (var senders in SenderCounts)
        {
            var envelopes = EventWorkload.Envelopes(options.Events, 200, sequence);
            sequence += options.Events;
            var result = await SendAsync(host.WebhookUrl, envelopes, senders).ConfigureAwait(false);
            rows.Add(
            [
                "app: POST /v2/webhooks/events", senders.ToString(), Report.Number(result.EventsPerSecond),
                Report.Number(result.Latency.Percentile(50), "0.0"), Report.Number(result.Latency.Percentile(99), "0.0"),
                Report.Ratio(result.EventsPerSecond / floor.RowsPerSecond),
            ]);
        }

        // Events are applied to the image store after the response, so the run ends when none is pending.
        var sent = started.Elapsed;
        await WaitUntilAppliedAsync(inbox).ConfigureAwait(false);
        var applied = sequence / started.Elapsed.TotalSeconds;
        rows.Add(
        [
            $"app: every event above applied to the store ({Report.Number(started.Elapsed.TotalSeconds - sent.TotalSeconds, "0.0")} s after the last answer)",
            "-", Report.Number(applied), "-", "-", Report.Ratio(applied / floor.RowsPerSecond),
        ]);

        Report.Table(
            $"Webhook ingestion, {options.Events} events per level (floor: {floor.InFlight} transactions in flight)",
            ["path", "senders", "events/s", "p50 ms", "p99 ms", "ratio to floor"],
            rows);
    }

    /// <summary>Writes inbox rows in transactions of 100 on one partition, with 1 to 16 in flight; returns the best rate.</summary>
    private static async Task<(double RowsPerSecond, int InFlight)> MeasureFloorAsync(string tables, int count)
    {
        var best = (RowsPerSecond: 0.0, InFlight: 0);
        foreach (var inFlight in new[] { 1, 4, 8, 16 })
        {
            var table = await NewTableAsync(tables).ConfigureAwait(false);
            var entities = InboxRows(count);
            var batches = entities.Chunk(100).ToList();
            var next = -1;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
            {
                int index;
                while ((index = Interlocked.Increment(ref next)) < batches.Count)
                {
                    await table.SubmitTransactionAsync(batches[index].Select(entity => new TableTransactionAction(TableTransactionActionType.UpsertReplace, entity)))
                        .ConfigureAwait(false);
                }
            })).ConfigureAwait(false);
            var rate = count / watch.Elapsed.TotalSeconds;
            if (rate > best.RowsPerSecond)
            {
                best = (rate, inFlight);
            }
        }

        return best;
    }

    private static async Task WaitUntilAppliedAsync(TableClient inbox)
    {
        var filter = TableClient.CreateQueryFilter($"Status eq {InboxStatus.Pending}");
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var pending = false;
            await foreach (var _ in inbox.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["PartitionKey"]).ConfigureAwait(false))
            {
                pending = true;
                break;
            }

            if (!pending)
            {
                return;
            }

            if (deadline.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException("Events were still pending in the inbox 10 minutes after the last delivery.");
            }

            await Task.Delay(1000).ConfigureAwait(false);
        }
    }

    private static async Task<double> MeasureNaiveAsync(string tables, int count)
    {
        var table = await NewTableAsync(tables).ConfigureAwait(false);
        var entities = InboxRows(count);
        var watch = Stopwatch.StartNew();
        foreach (var entity in entities)
        {
            await table.UpsertEntityAsync(entity, TableUpdateMode.Replace).ConfigureAwait(false);
        }

        return count / watch.Elapsed.TotalSeconds;
    }

    /// <summary>Builds the rows the webhook writes for <paramref name="count"/> push events, through the app's own code.</summary>
    private static List<TableEntity> InboxRows(int count)
    {
        var partition = InboxStore.PartitionFor(DateTimeOffset.UtcNow);
        var rows = new List<TableEntity>(count);
        for (var i = 0; i < count; i++)
        {
            var envelope = "{\"events\":[" + EventWorkload.PushEvent(i, 200) + "]}";
            var incoming = EnvelopeParser.Parse(Encoding.UTF8.GetBytes(envelope), 1).Events[0];
            var decision = EventClassifier.Classify(incoming);
            var item = new InboxItem(partition, decision.EventId!, decision.Command!, DateTimeOffset.UtcNow, 0, incoming.Raw);
            rows.Add(InboxStore.CreateRow(item)!);
        }

        return rows;
    }

    private static async Task<TableClient> NewTableAsync(string tables)
    {
        var table = new TableServiceClient(tables).GetTableClient("floor" + Guid.NewGuid().ToString("N")[..12]);
        await table.CreateIfNotExistsAsync().ConfigureAwait(false);
        return table;
    }

    private static async Task<(double EventsPerSecond, LatencyRecorder Latency)> SendAsync(Uri webhook, List<string> envelopes, int senders)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = senders, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var client = new HttpClient(handler);
        var latency = new LatencyRecorder();
        var events = envelopes.Sum(EventWorkload.CountEvents);
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, senders).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < envelopes.Count)
            {
                using var content = new StringContent(envelopes[index], Encoding.UTF8);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.docker.distribution.events.v1+json");
                using var request = new HttpRequestMessage(HttpMethod.Post, webhook) { Content = content };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PortusHost.Secret);
                var started = Stopwatch.GetTimestamp();
                using var response = await client.SendAsync(request).ConfigureAwait(false);
                latency.Add(Stopwatch.GetElapsedTime(started));
                if ((int)response.StatusCode != 202)
                {
                    throw new InvalidOperationException($"The webhook returned {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
                }
            }
        })).ConfigureAwait(false);
        return (events / watch.Elapsed.TotalSeconds, latency);
    }
}
