using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using PortusFunctions.IntegrationTests.Infrastructure;

namespace PortusFunctions.IntegrationTests.Events;

/// <summary>Captured envelopes replayed in order, twice, and shuffled end in the same state.</summary>
public sealed class FixtureReplayTests
{
    [Fact]
    public async Task Replay_TwiceShuffled_EndsAsOnceInOrder()
    {
        var envelopes = Fixtures.All().Select(Fixtures.Read).ToList();
        var inOrder = envelopes.OrderBy(EventTime).ToList();
        var shuffled = envelopes.Concat(envelopes).OrderBy(_ => Random.Shared.Next()).ToList();

        var once = await ReplayAsync(inOrder);
        var twiceShuffled = await ReplayAsync(shuffled);

        Assert.Equal(once, twiceShuffled);
        Assert.Contains("library/alpha", once, StringComparison.Ordinal);
        Assert.Contains("library/test", once, StringComparison.Ordinal);
        Assert.DoesNotContain("hand/made", once, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_AllEnvelopesInOneBatch_EndsAsOnceInOrder()
    {
        var events = Fixtures.All().Select(Fixtures.Read)
            .SelectMany(envelope => JsonNode.Parse(envelope)!["events"]!.AsArray().Select(node => node!.ToJsonString()))
            .ToList();
        var batch = "{\"events\":[" + string.Join(",", events.Concat(events).OrderBy(_ => Random.Shared.Next())) + "]}";

        var once = await ReplayAsync(Fixtures.All().Select(Fixtures.Read).OrderBy(EventTime).ToList());
        var batched = await ReplayAsync([batch]);

        Assert.Equal(once, batched);
    }

    private static async Task<string> ReplayAsync(IReadOnlyList<string> envelopes)
    {
        await using var host = await PortusHost.StartAsync();
        using var client = new HttpClient();
        foreach (var envelope in envelopes)
        {
            using var content = new StringContent(envelope, Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.docker.distribution.events.v1+json");
            using var request = new HttpRequestMessage(HttpMethod.Post, host.WebhookUrl) { Content = content };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PortusHost.Secret);
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        // Settled when every stored event has an outcome.
        await Eventually.ReachAsync(
            () => StoredRows.ReadAsync(host, Storage.TableNames.Inbox),
            rows => rows.All(row => row.GetString("Status") != "pending"));

        var tags = await ReadApi.TaggedRepositoriesAsync(host.Client);
        var manifests = await ReadApi.ManifestCountsAsync(host.Client);
        return ReadApi.Render(tags) + "\n" + string.Join(",", manifests.Select(entry => $"{entry.Key}:{entry.Value}"));
    }

    private static string EventTime(string envelope) =>
        (string)JsonNode.Parse(envelope)!["events"]![0]!["timestamp"]!;
}
