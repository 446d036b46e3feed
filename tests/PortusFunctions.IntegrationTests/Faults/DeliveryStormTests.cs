using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using PortusFunctions.IntegrationTests.Infrastructure;

namespace PortusFunctions.IntegrationTests.Faults;

/// <summary>Many senders deliver the same events duplicated, reordered and batched differently.</summary>
public sealed class DeliveryStormTests
{
    [Fact]
    public async Task Storm_DuplicatedReorderedConcurrent_EndsAsOneOrderedDelivery()
    {
        var random = new Random(20261204);
        var events = GenerateEvents(random, count: 400);

        var ordered = await DeliverAsync(events.Select(item => (IReadOnlyList<string>)[item.Json]).ToList(), senders: 1);

        var storm = events.Concat(events.Where(_ => random.Next(2) == 0)).Concat(events.Where(_ => random.Next(4) == 0))
            .OrderBy(_ => random.Next())
            .Select(item => item.Json)
            .ToList();
        var envelopes = new List<IReadOnlyList<string>>();
        for (var i = 0; i < storm.Count;)
        {
            var size = random.Next(10) == 0 ? 50 : 1;
            envelopes.Add(storm.Skip(i).Take(size).ToList());
            i += size;
        }

        var stormed = await DeliverAsync(envelopes, senders: 16);

        Assert.Equal(ordered, stormed);
    }

    /// <summary>Pushes, tag deletes and digest deletes over a few repositories, tags and digests.</summary>
    private static List<(string Json, DateTimeOffset Time)> GenerateEvents(Random random, int count)
    {
        var start = new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
        var events = new List<(string, DateTimeOffset)>();
        for (var i = 0; i < count; i++)
        {
            var time = start.AddMilliseconds(random.Next(0, 60_000));
            var repository = $"storm/repo{random.Next(4)}";
            var tag = $"v{random.Next(5)}";
            var digest = "sha256:" + new string((char)('a' + random.Next(6)), 64);
            var stamp = time.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
            var target = random.Next(10) switch
            {
                < 6 => $$"""{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{digest}}","repository":"{{repository}}","tag":"{{tag}}"}""",
                < 8 => $$"""{"repository":"{{repository}}","tag":"{{tag}}"}""",
                _ => $$"""{"repository":"{{repository}}","digest":"{{digest}}"}""",
            };
            var action = target.Contains("mediaType", StringComparison.Ordinal) ? "push" : "delete";
            events.Add(($$"""{"id":"storm-{{i}}","timestamp":"{{stamp}}","action":"{{action}}","target":{{target}}}""", time));
        }

        return events;
    }

    private static async Task<string> DeliverAsync(IReadOnlyList<IReadOnlyList<string>> envelopes, int senders)
    {
        await using var host = await PortusHost.StartAsync();
        using var client = new HttpClient();
        var next = -1;
        var workers = Enumerable.Range(0, senders).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < envelopes.Count)
            {
                var body = "{\"events\":[" + string.Join(",", envelopes[index]) + "]}";
                using var content = new StringContent(body, Encoding.UTF8);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.docker.distribution.events.v1+json");
                using var request = new HttpRequestMessage(HttpMethod.Post, host.WebhookUrl) { Content = content };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PortusHost.Secret);
                using var response = await client.SendAsync(request);
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }
        });
        await Task.WhenAll(workers);

        await Eventually.ReachAsync(
            () => StoredRows.ReadAsync(host, Storage.TableNames.Inbox),
            rows => rows.All(row => row.GetString("Status") != "pending"),
            TimeSpan.FromSeconds(120));
        var tags = await ReadApi.TaggedRepositoriesAsync(host.Client);
        var manifests = await ReadApi.ManifestCountsAsync(host.Client);
        return ReadApi.Render(tags) + "\n" + string.Join(",", manifests.Select(entry => $"{entry.Key}:{entry.Value}"));
    }
}
