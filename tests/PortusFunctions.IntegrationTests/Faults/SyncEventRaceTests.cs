using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.IntegrationTests.Sync;
using PortusFunctions.Storage;

namespace PortusFunctions.IntegrationTests.Faults;

/// <summary>
/// An <c>update-delete</c> sync reads the registry while the registry notifies pushes, retags and manifest deletes
/// in the same repositories; the store ends equal to the registry.
/// </summary>
public sealed class SyncEventRaceTests
{
    private const int Rounds = 6;

    private const string MarkerRepository = "race/marker";

    private static readonly string[] Repositories = ["race/app0", "race/app1", "race/app2"];

    /// <summary>When the sync runs, relative to the burst of changes.</summary>
    public enum SyncStart
    {
        /// <summary>Runs one after another from just before the first change through the first third of the churn.</summary>
        BeforeBurst,

        /// <summary>Runs one after another through the middle third of the churn.</summary>
        DuringBurst,

        /// <summary>One run after the last change, while its notifications are still being delivered.</summary>
        AfterBurst,
    }

    [Theory]
    [InlineData(SyncStart.BeforeBurst)]
    [InlineData(SyncStart.DuringBurst)]
    [InlineData(SyncStart.AfterBurst)]
    public async Task SyncAndBurst_SameRepositories_EndEqualToRegistry(SyncStart start)
    {
        var registryPort = TestTools.FreePort();
        await using var proxy = await FaultProxy.StartAsync(new Uri($"http://127.0.0.1:{registryPort}"));

        // The guard is off, so the run applies the deletes its pass proved while the events change the same rows.
        await using var host = await SyncTestKit.StartHostAsync(proxy.Url, "update-delete", new Dictionary<string, string?>
        {
            ["Registry:MaxConcurrency"] = "1",
            ["Sync:DeleteGuardRatio"] = "1",
        });
        await using var webhook = await FaultProxy.StartAsync(host.Url);
        await using var registry = await RegistryServer.StartAsync(new Uri(webhook.Url, "v2/webhooks/events"), PortusHost.Secret, port: registryPort);
        using var images = await ImageFactory.CreateAsync();
        for (var i = 0; i < 6; i++)
        {
            await images.BuildAsync($"image{i}");
        }

        foreach (var repository in Repositories)
        {
            await images.PushAsync("image0", registry, $"{repository}:v1");
            await images.PushAsync("image1", registry, $"{repository}:v2");
            await ImageFactory.RetagAsync(registry, $"{repository}:v2", $"{repository}:latest");
        }

        await SettleAsync(host, registry, images, "seeded");
        Assert.Equal("completed", (await SyncTestKit.SyncAsync(host)).Outcome);

        // Notifications arrive late, so runs read changes before their events are applied. The registry's Date
        // runs 10 s ahead of its event timestamps, as a replica's clock may; the settle margin covers that. Slow
        // registry responses keep a run reading while changes and their notifications arrive. A delayed response
        // shows what the registry contained when it was asked, not when the response arrives.
        webhook.Rule = request => request.Method == "POST" ? new ProxyFault(Delay: TimeSpan.FromMilliseconds(150)) : null;
        proxy.DateShift = TimeSpan.FromSeconds(10);
        proxy.Rule = request => request.Method switch
        {
            _ when request.Path.Value!.EndsWith("/tags/list", StringComparison.Ordinal) => new ProxyFault(Delay: TimeSpan.FromMilliseconds(50)),
            "HEAD" => new ProxyFault(DelayAnswer: TimeSpan.FromMilliseconds(50)),
            "GET" when request.Path.Value!.Contains("/manifests/", StringComparison.Ordinal) => new ProxyFault(DelayAnswer: TimeSpan.FromMilliseconds(100)),
            _ => null,
        };

        // Runs follow each other through one third of the churn: the first third, the middle third, or none. The
        // tail then changes every tag once more after the last run ended, so a run that wrote what it read with a
        // version newer than the tail's events would leave the store behind.
        var churn = Enumerable.Range(0, Rounds).SelectMany(_ => Churn(images, registry)).ToList();
        var (first, last) = start switch
        {
            SyncStart.BeforeBurst => (0, churn.Count / 3),
            SyncStart.DuringBurst => (churn.Count / 3, 2 * churn.Count / 3),
            _ => (-1, -1),
        };
        var window = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<List<SyncTestKit.SyncReply>>? runs = null;
        for (var i = 0; i < churn.Count; i++)
        {
            if (i == first)
            {
                runs = SyncUntilAsync(host, window.Task);
            }
            else if (i == last)
            {
                window.SetResult();
            }

            await churn[i]();

            // A change takes milliseconds and a run much longer, so a pause lets several runs read the churn.
            await Task.Delay(50);
        }

        List<SyncTestKit.SyncReply> raced = runs is null ? [] : await runs;
        foreach (var change in Tail(images, registry))
        {
            await change();
        }

        if (start == SyncStart.AfterBurst)
        {
            raced.Add(await SyncTestKit.SyncAsync(host));
        }

        webhook.Rule = null;
        proxy.Rule = null;

        var settled = await SettleAsync(host, registry, images, "raced");
        var expected = await ReadApi.TaggedRepositoriesAsync(registry);
        Assert.NotEmpty(raced);
        Assert.All(raced, reply => Assert.Equal("completed", reply.Outcome));
        Assert.Equal(ReadApi.Render(expected), ReadApi.Render(settled));
        Assert.Equal(TagCounts(expected), await ReadApi.TagCountsAsync(host.Client));
        Assert.Equal(registry.ManifestCounts(), await ReadApi.ManifestCountsAsync(host.Client));

        var final = await SyncTestKit.SyncAsync(host);

        var actual = await ReadApi.TaggedRepositoriesAsync(host.Client);
        Assert.Equal("completed", final.Outcome);
        Assert.Equal(0, final.Run!.Count("Added"));
        Assert.Equal(0, final.Run.Count("Deleted"));
        Assert.Equal(ReadApi.Render(expected), ReadApi.Render(actual));
        Assert.Equal(TagCounts(expected), await ReadApi.TagCountsAsync(host.Client));
        Assert.Equal(registry.ManifestCounts(), await ReadApi.ManifestCountsAsync(host.Client));
    }

    /// <summary>
    /// Pushes, retags and manifest deletes spread over the three repositories: tags move, appear, disappear with
    /// their manifest, and come back on a manifest that was deleted before. Each change is valid again after the
    /// list ran once, so the list can run several times in a row.
    /// </summary>
    private static List<Func<Task>> Churn(ImageFactory images, RegistryServer registry) =>
    [
        () => images.PushAsync("image2", registry, "race/app0:v1"),
        () => ImageFactory.RetagAsync(registry, "race/app1:v1", "race/app1:v3"),
        () => DeleteManifestAsync(registry, "race/app2", "v2"),
        () => images.PushAsync("image3", registry, "race/app0:v4"),
        () => images.PushAsync("image2", registry, "race/app2:v2"),
        () => DeleteManifestAsync(registry, "race/app1", "v1"),
        () => ImageFactory.RetagAsync(registry, "race/app0:v4", "race/app0:latest"),
        () => images.PushAsync("image4", registry, "race/app1:v1"),
        () => DeleteManifestAsync(registry, "race/app0", "v1"),
        () => images.PushAsync("image1", registry, "race/app2:latest"),
        () => ImageFactory.RetagAsync(registry, "race/app2:v2", "race/app2:v5"),
        () => images.PushAsync("image5", registry, "race/app0:v1"),
    ];

    /// <summary>
    /// Moves or deletes every tag that the churn leaves: app0 {v1, v2, v4, latest}, app1 {v1, v2, latest} and
    /// app2 {v1, v2, v5, latest}.
    /// </summary>
    private static List<Func<Task>> Tail(ImageFactory images, RegistryServer registry) =>
    [
        () => images.PushAsync("image0", registry, "race/app0:v1"),
        () => images.PushAsync("image4", registry, "race/app0:v2"),
        () => DeleteManifestAsync(registry, "race/app0", "v4"),
        () => images.PushAsync("image5", registry, "race/app1:v1"),
        () => images.PushAsync("image3", registry, "race/app1:latest"),
        () => DeleteManifestAsync(registry, "race/app1", "v2"),
        () => images.PushAsync("image3", registry, "race/app2:v1"),
        () => DeleteManifestAsync(registry, "race/app2", "v2"),
        () => images.PushAsync("image5", registry, "race/app2:latest"),
    ];

    /// <summary>Runs the sync again and again until <paramref name="stop"/> completes, and returns every reply.</summary>
    private static async Task<List<SyncTestKit.SyncReply>> SyncUntilAsync(PortusHost host, Task stop)
    {
        var replies = new List<SyncTestKit.SyncReply>();
        do
        {
            replies.Add(await SyncTestKit.SyncAsync(host));
        }
        while (!stop.IsCompleted);

        return replies;
    }

    private static async Task DeleteManifestAsync(RegistryServer registry, string repository, string tag) =>
        await registry.DeleteManifestAsync(repository, await registry.DigestAsync(repository, tag));

    /// <summary>
    /// Pushes tag <paramref name="marker"/> and waits until the store shows it, the inbox has no pending row, and
    /// the store shows what the registry holds; returns the store.
    /// </summary>
    /// <remarks>
    /// The registry sends an endpoint's notifications from one queue, one delivery at a time, so the marker arrives
    /// after every earlier notification. Without it, the store can match the registry while late notifications of
    /// earlier changes are still queued, and those move a tag away for a while when they arrive.
    /// </remarks>
    private static async Task<SortedDictionary<string, SortedDictionary<string, string>>> SettleAsync(
        PortusHost host,
        RegistryServer registry,
        ImageFactory images,
        string marker)
    {
        await images.PushAsync("image0", registry, $"{MarkerRepository}:{marker}");
        var expected = ReadApi.Render(await ReadApi.TaggedRepositoriesAsync(registry));
        await Eventually.ReachAsync(
            async () =>
            {
                var stored = await ReadApi.TaggedRepositoriesAsync(host.Client);
                return stored.GetValueOrDefault(MarkerRepository)?.ContainsKey(marker) == true
                    && ReadApi.Render(stored) == expected
                    && (await StoredRows.ReadAsync(host, TableNames.Inbox)).All(row => row.GetString("Status") != "pending");
            },
            settled => settled);
        return await ReadApi.TaggedRepositoriesAsync(host.Client);
    }

    private static SortedDictionary<string, int> TagCounts(SortedDictionary<string, SortedDictionary<string, string>> state) =>
        new(state.ToDictionary(entry => entry.Key, entry => entry.Value.Count), StringComparer.Ordinal);
}
