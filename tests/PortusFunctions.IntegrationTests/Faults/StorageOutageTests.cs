using System.Globalization;
using System.Net;
using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.IntegrationTests.Sync;
using PortusFunctions.Storage;

namespace PortusFunctions.IntegrationTests.Faults;

/// <summary>Azurite stops while the registry delivers notifications or a sync runs, and comes back.</summary>
public sealed class StorageOutageTests
{
    private const int BulkRepositories = 8;

    [Fact]
    public async Task AzuriteStopped_DuringBurst_Returns503ThenConverges()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        await using var host = await PortusHost.StartAsync(azurite.ConnectionString);
        await using var registry = await RegistryServer.StartAsync(host.WebhookUrl, PortusHost.Secret);
        using var images = await ImageFactory.CreateAsync();
        for (var i = 0; i < 6; i++)
        {
            await images.BuildAsync($"image{i}");
        }

        await images.PushAsync("image0", registry, "outage/before:v1");
        await Eventually.ReachAsync(() => ReadApi.TaggedRepositoriesAsync(host.Client), state => state.ContainsKey("outage/before"));

        await azurite.StopAsync();
        for (var i = 1; i < 6; i++)
        {
            await images.PushAsync($"image{i}", registry, $"outage/during{i}:v1");
        }

        await registry.DeleteManifestAsync("outage/during1", await registry.DigestAsync("outage/during1", "v1"));
        await Eventually.ReachAsync(
            () => Task.FromResult(host.Logs.Entries.Count(entry => entry.EventId.Id == 2002)),
            rejected => rejected > 0);
        await azurite.StartAgainAsync();

        var expected = await ReadApi.TaggedRepositoriesAsync(registry);
        var actual = await Eventually.ReachAsync(
            () => ReadApi.TaggedRepositoriesAsync(host.Client),
            state => ReadApi.Render(state) == ReadApi.Render(expected),
            TimeSpan.FromSeconds(120));

        Assert.Contains(host.Logs.Entries, entry => entry.EventId.Id == 2002);
        Assert.Equal(5, expected.Count);
        Assert.Equal(ReadApi.Render(expected), ReadApi.Render(actual));
    }

    [Fact]
    public async Task AzuriteStopped_DuringSync_DeletesNothingThenConverges()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var registryPort = TestTools.FreePort();
        await using var proxy = await FaultProxy.StartAsync(new Uri($"http://127.0.0.1:{registryPort}"));

        // Two repositories a page and one at a time, so the run is on its third page when storage stops. The guard
        // is off, so that what keeps the run from deleting is its failure, not the guard. A failed run cannot
        // release its lease while storage is down, so the lease is short. The rows come from events only seconds
        // old, and a sync delete is versioned the settle margin before its read, so the margin is short too.
        await using var host = await SyncTestKit.StartHostAsync(proxy.Url, "update-delete", new Dictionary<string, string?>
        {
            ["Storage:Tables"] = azurite.ConnectionString,
            ["Registry:PageSize"] = "2",
            ["Registry:MaxConcurrency"] = "1",
            ["Sync:DeleteGuardRatio"] = "1",
            ["Sync:LeaseDuration"] = "00:00:06",
            ["Sync:SettleMargin"] = "00:00:02",
        });
        await using var scenario = await SyncScenario.SeedAsync(notificationUrl: host.WebhookUrl, port: registryPort);
        for (var i = 1; i <= BulkRepositories; i++)
        {
            await scenario.RetagAsync("library/oci:old", string.Create(CultureInfo.InvariantCulture, $"bulk/repo-{i:D2}:v{i}"));
        }

        await WaitForEventsAsync(host, scenario.Registry, except: null);
        Assert.Equal("completed", (await SyncTestKit.SyncAsync(host)).Outcome);

        // gone/repo leaves the registry without an event, so only a sync can delete it.
        await scenario.ChangeAsync();
        var before = await WaitForEventsAsync(host, scenario.Registry, except: "gone/repo");

        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var storageStopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        proxy.Rule = request =>
        {
            if (request.Path != "/v2/bulk/repo-05/tags/list")
            {
                return null;
            }

            reached.TrySetResult();
            return new ProxyFault(Until: storageStopped.Task);
        };
        var failing = SyncTestKit.PostSyncAsync(host);
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await azurite.StopAsync();
        storageStopped.SetResult();
        var failed = await failing;
        var whileDown = await SyncTestKit.PostSyncAsync(host);

        // Deliveries while storage is down are rejected, and the registry keeps them for later.
        await scenario.PushAsync("docker", "outage/new:v1");
        await scenario.RetagAsync("library/oci:v1", "library/oci:during");
        await scenario.DeleteManifestAsync("bulk/repo-07", "v7");
        await Eventually.ReachAsync(
            () => Task.FromResult(host.Logs.Entries.Count(entry => entry.EventId.Id == 2002)),
            rejected => rejected > 0);
        await azurite.StartAgainAsync();

        var afterFailure = await ReadApi.TaggedRepositoriesAsync(host.Client);
        var registryNow = await ReadApi.TaggedRepositoriesAsync(scenario.Registry);
        Assert.True(failed.Status == HttpStatusCode.BadGateway, $"The run during the outage returned {(int)failed.Status}: {failed.Body}");
        Assert.Contains("Table Storage is unavailable", failed.Body, StringComparison.Ordinal);
        Assert.True(whileDown.Status == HttpStatusCode.ServiceUnavailable, $"A run while storage is down returned {(int)whileDown.Status}: {whileDown.Body}");
        Assert.Contains(host.Logs.Entries, entry => entry.EventId.Id == 2002);
        foreach (var (repository, tags) in before)
        {
            foreach (var tag in tags.Keys.Where(tag => registryNow.GetValueOrDefault(repository)?.ContainsKey(tag) == true))
            {
                Assert.True(
                    afterFailure.GetValueOrDefault(repository)?.ContainsKey(tag) == true,
                    $"{repository}:{tag} was deleted by the failed run, but the registry holds it.");
            }
        }

        // The registry sends the rejected deliveries again; the store follows without a sync.
        await WaitForEventsAsync(host, scenario.Registry, except: "gone/repo");

        var (status, resumed, body) = await Eventually.ReachAsync(
            () => SyncTestKit.PostSyncAsync(host),
            result => result.Status != HttpStatusCode.Conflict,
            TimeSpan.FromSeconds(30));

        Assert.True(status == HttpStatusCode.OK, $"The run after the outage returned {(int)status}: {body}");
        Assert.Equal("completed", resumed!.Outcome);
        Assert.Equal("bulk/repo-04", resumed.Run!.StartCursor);
        var expected = await ReadApi.TaggedRepositoriesAsync(scenario.Registry);
        var actual = await ReadApi.TaggedRepositoriesAsync(host.Client);
        Assert.False(actual.ContainsKey("gone/repo"), $"gone/repo is not in the registry but stays in the store after: {body}");
        Assert.Equal(ReadApi.Render(expected), ReadApi.Render(actual));
        Assert.Equal(
            new SortedDictionary<string, int>(expected.ToDictionary(entry => entry.Key, entry => entry.Value.Count), StringComparer.Ordinal),
            await ReadApi.TagCountsAsync(host.Client));
        Assert.Equal(scenario.Registry.ManifestCounts(), await ReadApi.ManifestCountsAsync(host.Client));
        var inbox = await Eventually.ReachAsync(
            () => StoredRows.ReadAsync(host, TableNames.Inbox),
            rows => rows.All(row => row.GetString("Status") != "pending"));
        Assert.DoesNotContain(inbox, row => row.GetString("Status") == "pending");
    }

    /// <summary>
    /// Waits until the store shows what the registry holds, apart from repository <paramref name="except"/> that
    /// only a sync can change, and returns the store.
    /// </summary>
    private static async Task<SortedDictionary<string, SortedDictionary<string, string>>> WaitForEventsAsync(
        PortusHost host,
        RegistryServer registry,
        string? except)
    {
        var expected = ReadApi.Render(await ReadApi.TaggedRepositoriesAsync(registry));
        var stored = await Eventually.ReachAsync(
            () => ReadApi.TaggedRepositoriesAsync(host.Client),
            state => ReadApi.Render(Without(state, except)) == expected);
        Assert.Equal(expected, ReadApi.Render(Without(stored, except)));
        return stored;
    }

    private static SortedDictionary<string, SortedDictionary<string, string>> Without(
        SortedDictionary<string, SortedDictionary<string, string>> state,
        string? repository)
    {
        var copy = new SortedDictionary<string, SortedDictionary<string, string>>(state, StringComparer.Ordinal);
        if (repository is not null)
        {
            copy.Remove(repository);
        }

        return copy;
    }
}
