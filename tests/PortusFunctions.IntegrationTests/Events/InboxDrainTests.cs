using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using PortusFunctions.Events;
using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Storage;

namespace PortusFunctions.IntegrationTests.Events;

/// <summary>Events stored but not applied, as after a crash, are applied by the drain job.</summary>
public sealed class InboxDrainTests
{
    [Fact]
    public async Task Drain_EventsStoredBeforeCrash_AppliesThem()
    {
        await using var host = await PortusHost.StartAsync(overrides: new Dictionary<string, string?> { ["Inbox:DrainSchedule"] = "0 0 0 1 1 *" });
        var ingestion = new EventIngestion(
            host.Service<InboxStore>(),
            new InboxApplyChannel(),
            host.Service<Microsoft.Extensions.Options.IOptionsMonitor<WebhookOptions>>(),
            host.Service<PortusFunctions.Diagnostics.PortusMetrics>(),
            TimeProvider.System,
            host.App.Services.GetRequiredService<Microsoft.Extensions.Logging.ILogger<EventIngestion>>());
        var envelope = EnvelopeParser.Parse(Encoding.UTF8.GetBytes(Fixtures.Read("push-manifest-oci-tag.json")), 10);

        // Stored through a channel nobody reads: the process "crashed" before applying.
        await ingestion.IngestAsync(envelope.Events, CancellationToken.None);
        var pending = await StoredRows.ReadAsync(host, TableNames.Inbox);
        var options = host.Service<Microsoft.Extensions.Options.IOptions<InboxOptions>>();
        options.Value.DrainDelay = TimeSpan.Zero;
        var result = await host.Service<InboxDrain>().RunAsync(CancellationToken.None);
        var state = await ReadApi.TaggedRepositoriesAsync(host.Client);
        var inbox = await StoredRows.ReadAsync(host, TableNames.Inbox);

        Assert.Equal("pending", Assert.Single(pending).GetString("Status"));
        Assert.Equal(1, result.Applied);
        Assert.Equal("applied", Assert.Single(inbox).GetString("Status"));
        Assert.True(state.ContainsKey("library/test"));
    }

    [Fact]
    public async Task Drain_ManyEvents_AppliesAll()
    {
        await using var host = await PortusHost.StartAsync(overrides: new Dictionary<string, string?>
        {
            ["Inbox:DrainSchedule"] = "0 0 0 1 1 *",
            ["Inbox:ApplyConcurrency"] = "3",
        });
        var ingestion = Unapplied(host, new InboxApplyChannel());
        var events = Enumerable.Range(0, 700).Select(PushEvent).ToList();

        foreach (var envelope in events.Chunk(50))
        {
            var parsed = EnvelopeParser.Parse(Encoding.UTF8.GetBytes("{\"events\":[" + string.Join(",", envelope) + "]}"), 50);
            await ingestion.IngestAsync(parsed.Events, CancellationToken.None);
        }

        host.Service<Microsoft.Extensions.Options.IOptions<InboxOptions>>().Value.DrainDelay = TimeSpan.Zero;
        var result = await host.Service<InboxDrain>().RunAsync(CancellationToken.None);
        var state = await ReadApi.TaggedRepositoriesAsync(host.Client);
        var inbox = await StoredRows.ReadAsync(host, TableNames.Inbox);

        Assert.Equal(700, result.Applied);
        Assert.Equal(0, result.Failed);
        Assert.All(inbox, row => Assert.Equal("applied", row.GetString("Status")));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"drain/app{i}").Order(StringComparer.Ordinal), state.Keys.Order(StringComparer.Ordinal));
        Assert.All(state.Values, tags => Assert.Equal(10, tags.Count));
    }

    [Fact]
    public async Task Drain_QueuedInProcess_Skipped()
    {
        await using var host = await PortusHost.StartAsync(overrides: new Dictionary<string, string?> { ["Inbox:DrainSchedule"] = "0 0 0 1 1 *" });
        var queue = new InboxApplyChannel();
        var envelope = EnvelopeParser.Parse(Encoding.UTF8.GetBytes(Fixtures.Read("push-manifest-oci-tag.json")), 10);
        await Unapplied(host, queue).IngestAsync(envelope.Events, CancellationToken.None);
        var options = host.Service<Microsoft.Extensions.Options.IOptions<InboxOptions>>();
        options.Value.DrainDelay = TimeSpan.Zero;
        var drain = new InboxDrain(
            host.Service<InboxStore>(),
            queue,
            host.Service<InboxApplier>(),
            host.Service<PortusFunctions.Diagnostics.PortusMetrics>(),
            TimeProvider.System,
            options,
            host.Service<Microsoft.Extensions.Options.IOptionsMonitor<WebhookOptions>>(),
            host.App.Services.GetRequiredService<Microsoft.Extensions.Logging.ILogger<InboxDrain>>());

        var whileQueued = await drain.RunAsync(CancellationToken.None);
        Assert.True(queue.Reader.TryRead(out var item));
        queue.Done(item);
        var afterward = await drain.RunAsync(CancellationToken.None);

        Assert.Equal((0, 1), (whileQueued.Applied, whileQueued.Skipped));
        Assert.Equal((1, 0), (afterward.Applied, afterward.Skipped));
        Assert.Equal("applied", Assert.Single(await StoredRows.ReadAsync(host, TableNames.Inbox)).GetString("Status"));
    }

    /// <summary>Stores events through a channel that no worker reads, as when the process stops before applying them.</summary>
    private static EventIngestion Unapplied(PortusHost host, InboxApplyChannel channel) => new(
        host.Service<InboxStore>(),
        channel,
        host.Service<Microsoft.Extensions.Options.IOptionsMonitor<WebhookOptions>>(),
        host.Service<PortusFunctions.Diagnostics.PortusMetrics>(),
        TimeProvider.System,
        host.App.Services.GetRequiredService<Microsoft.Extensions.Logging.ILogger<EventIngestion>>());

    /// <summary>A tag push on one of 7 repositories and 10 tags; the digest is unique per event.</summary>
    private static string PushEvent(int sequence)
    {
        var repository = $"drain/app{sequence % 7}";
        var digest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(sequence)));
        var time = DateTimeOffset.UtcNow.AddSeconds(-5).AddMilliseconds(sequence).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        return $$$"""
            {"id":"drain-{{{sequence}}}","timestamp":"{{{time}}}","action":"push",
             "target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":345,"digest":"{{{digest}}}","repository":"{{{repository}}}","tag":"v{{{sequence % 10}}}"},
             "request":{"method":"PUT"},"source":{"addr":"registry:5000"}}
            """;
    }

    [Fact]
    public async Task Drain_UnreadableStoredEvent_QuarantinesIt()
    {
        await using var host = await PortusHost.StartAsync(overrides: new Dictionary<string, string?> { ["Inbox:DrainSchedule"] = "0 0 0 1 1 *" });
        var inboxTable = await host.Service<TableStore>().GetTableAsync(TableNames.Inbox, CancellationToken.None);
        var partition = InboxStore.PartitionFor(DateTimeOffset.UtcNow.AddMinutes(-5));
        await inboxTable.AddEntityAsync(new Azure.Data.Tables.TableEntity(partition, "broken")
        {
            ["EventId"] = "broken",
            ["Status"] = "pending",
            ["Raw"] = "{\"id\":\"broken\",\"action\":\"teleport\",\"target\":{}}",
            ["ReceivedAt"] = DateTimeOffset.UtcNow.AddMinutes(-5),
        });

        await host.Service<InboxDrain>().RunAsync(CancellationToken.None);
        var inbox = await StoredRows.ReadAsync(host, TableNames.Inbox);
        var quarantine = await StoredRows.ReadAsync(host, TableNames.Quarantine);

        Assert.Equal("quarantined", Assert.Single(inbox).GetString("Status"));
        Assert.Contains("teleport", Assert.Single(quarantine).GetString("Reason"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_StorageBackAfterOutage_NextDeliveryIsApplied()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        await using var host = await PortusHost.StartAsync(azurite.ConnectionString);
        using var client = new HttpClient();

        await azurite.StopAsync();
        using var during = await PostAsync(client, host);
        await azurite.StartAgainAsync();
        using var after = await PostAsync(client, host);
        var state = await Eventually.ReachAsync(() => ReadApi.TaggedRepositoriesAsync(host.Client), s => s.ContainsKey("library/test"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, after.StatusCode);
        Assert.True(state.ContainsKey("library/test"));
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, PortusHost host)
    {
        using var content = new StringContent(Fixtures.Read("push-manifest-oci-tag.json"), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, host.WebhookUrl) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PortusHost.Secret);
        return await client.SendAsync(request);
    }
}
