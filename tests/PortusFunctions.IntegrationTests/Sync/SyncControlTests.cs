using System.Net;
using System.Net.Http.Headers;
using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Sync;

namespace PortusFunctions.IntegrationTests.Sync;

/// <summary>The lease, the deletion guard, the disabled strategy, events racing a sync, and the HTTP endpoints.</summary>
public sealed class SyncControlTests
{
    [Fact]
    public async Task Sync_TwoRunsStartedTogether_OneRunsOneSkips()
    {
        await using var scenario = await SyncScenario.SeedAsync();
        await using var proxy = await FaultProxy.StartAsync(scenario.Registry.Url);
        proxy.Rule = request => request.Path.Value!.EndsWith("/tags/list", StringComparison.Ordinal)
            ? new ProxyFault(Delay: TimeSpan.FromMilliseconds(300))
            : null;
        await using var host = await SyncTestKit.StartHostAsync(proxy.Url, "update");

        var results = await Task.WhenAll(SyncTestKit.PostSyncAsync(host), SyncTestKit.PostSyncAsync(host));

        Assert.Single(results, result => result.Status == HttpStatusCode.OK);
        var skipped = Assert.Single(results, result => result.Status == HttpStatusCode.Conflict);
        Assert.Contains("Another sync run holds the lease", skipped.Body, StringComparison.Ordinal);
        Assert.Single(host.Logs.Entries, entry => entry.EventId.Id == 3102);
    }

    [Fact]
    public async Task UpdateDelete_MostOfStoreGone_HoldsDeletesUntilConfirmed()
    {
        await using var scenario = await SyncScenario.SeedAsync();
        await using var host = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "update-delete");
        await SyncTestKit.SyncAsync(host);
        var imported = await ReadApi.TaggedRepositoriesAsync(host.Client);
        foreach (var repository in new[] { "gone/repo", "empty/repo", "team/app/api", "multi/app" })
        {
            scenario.Registry.RemoveRepository(repository);
        }

        var held = await SyncTestKit.SyncAsync(host);
        var afterHold = await ReadApi.TaggedRepositoriesAsync(host.Client);
        var status = await SyncTestKit.StatusAsync(host);

        Assert.Equal("held", held.Outcome);
        Assert.Equal("blocked", held.Run!.Status);
        Assert.Equal(4, held.Run.Count("DeletesHeld"));
        Assert.Contains("Sync__DeleteGuardRatio", held.Message, StringComparison.Ordinal);
        Assert.Equal(ReadApi.Render(imported), ReadApi.Render(afterHold));
        Assert.NotNull(status.HeldDeletes);
        Assert.Contains("4 repositories", status.HeldDeletes.Summary, StringComparison.Ordinal);
        Assert.Single(host.Logs.Entries, entry => entry.EventId.Id == 3144);

        var confirmed = await SyncTestKit.SyncAsync(host, "?confirmDeletes=true");

        var expected = await ReadApi.TaggedRepositoriesAsync(scenario.Registry);
        var actual = await ReadApi.TaggedRepositoriesAsync(host.Client);
        Assert.Equal("completed", confirmed.Outcome);
        Assert.Equal(["library/oci"], actual.Keys);
        Assert.Equal(ReadApi.Render(expected), ReadApi.Render(actual));
        Assert.Null((await SyncTestKit.StatusAsync(host)).HeldDeletes);
    }

    [Fact]
    public async Task UpdateDelete_RegistryBackAfterHold_DropsHeldDeletes()
    {
        await using var scenario = await SyncScenario.SeedAsync();
        await using var proxy = await FaultProxy.StartAsync(scenario.Registry.Url);
        await using var host = await SyncTestKit.StartHostAsync(proxy.Url, "update-delete");
        await SyncTestKit.SyncAsync(host);
        var imported = await ReadApi.TaggedRepositoriesAsync(host.Client);

        // A registry that lists an empty catalog looks as if everything was deleted.
        proxy.Rule = request => request.Path == "/v2/_catalog" ? new ProxyFault(Body: _ => """{"repositories":[]}""", Link: _ => null) : null;
        var held = await SyncTestKit.SyncAsync(host);
        proxy.Rule = null;
        var next = await SyncTestKit.SyncAsync(host);
        var confirmed = await SyncTestKit.SyncAsync(host, "?confirmDeletes=true");

        Assert.Equal("held", held.Outcome);
        Assert.Equal("completed", next.Outcome);
        Assert.Contains("nothing to confirm", confirmed.Message, StringComparison.Ordinal);
        Assert.Equal(ReadApi.Render(imported), ReadApi.Render(await ReadApi.TaggedRepositoriesAsync(host.Client)));
    }

    [Fact]
    public async Task Disabled_LogsOnceAndRunsNothing()
    {
        await using var scenario = await SyncScenario.SeedAsync();
        await using var host = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "disabled");

        var scheduled = await SyncTestKit.RunScheduledAsync(host);
        var manual = await SyncTestKit.PostSyncAsync(host);

        Assert.Equal(SyncOutcome.Disabled, scheduled.Outcome);
        Assert.Equal(HttpStatusCode.Conflict, manual.Status);
        Assert.Contains("Sync__Strategy is disabled", manual.Body, StringComparison.Ordinal);
        Assert.Single(host.Logs.Entries, entry => entry.EventId.Id == 3160);
        Assert.Empty(await ReadApi.TaggedRepositoriesAsync(host.Client));
    }

    [Fact]
    public async Task Start_UnknownStrategy_FailsNamingSetting()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => PortusHost.StartAsync(overrides: new Dictionary<string, string?>
        {
            ["Sync:Strategy"] = "mirror",
        }));

        Assert.Contains("Sync__Strategy = 'mirror' is not a sync strategy", failure.Message, StringComparison.Ordinal);
        Assert.Contains("disabled, initial, update, update-delete", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Endpoints_WrongKeysAndBadQuery_AreRejected()
    {
        await using var scenario = await SyncScenario.SeedAsync();
        await using var host = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "update");

        using var readerPost = await host.Client.PostAsync(new Uri("api/sync", UriKind.Relative), null);
        using var anonymous = new HttpClient { BaseAddress = host.Url };
        using var anonymousStatus = await anonymous.GetAsync(new Uri("api/sync/status", UriKind.Relative));
        var badQuery = await SyncTestKit.PostSyncAsync(host, "?confirmDeletes=maybe");

        Assert.Equal(HttpStatusCode.Unauthorized, readerPost.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousStatus.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badQuery.Status);
        Assert.Contains("confirmDeletes = 'maybe'", badQuery.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_AfterRun_ReturnsLastRun()
    {
        await using var scenario = await SyncScenario.SeedAsync();
        await using var host = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "update");
        var before = await SyncTestKit.StatusAsync(host);

        var reply = await SyncTestKit.SyncAsync(host);
        var after = await SyncTestKit.StatusAsync(host);

        Assert.Null(before.Run);
        Assert.Equal("update", after.Strategy);
        Assert.Equal(reply.Run!.RunId, after.Run!.RunId);
        Assert.Equal("completed", after.Run.Status);
        Assert.Equal("manual", after.Run.Trigger);
        Assert.Equal(9, after.Run.Count("TagsRead"));
        Assert.Null(after.Pass);
    }

    [Fact]
    public async Task Sync_EventAfterRead_IsNotUndone()
    {
        await using var host = await PortusHost.StartAsync();
        await using var registry = await RegistryServer.StartAsync(host.WebhookUrl, PortusHost.Secret);
        using var images = await ImageFactory.CreateAsync();
        await images.BuildAsync("first");
        await images.BuildAsync("second");
        await images.PushAsync("first", registry, "race/app:v1");
        await using var proxy = await FaultProxy.StartAsync(registry.Url);
        await using var sync = await SyncTestKit.StartHostAsync(
            proxy.Url, "update", new Dictionary<string, string?> { ["Storage:TablePrefix"] = host.Settings["Storage:TablePrefix"] });

        // The sync reads v1 at the first image, and its answer arrives after v1 moved and the event was applied.
        var moved = new TaskCompletionSource();
        proxy.Rule = request => request.Method == "HEAD" && request.Path.Value!.EndsWith("/manifests/v1", StringComparison.Ordinal) && !moved.Task.IsCompleted
            ? new ProxyFault(DelayAnswer: TimeSpan.FromSeconds(4))
            : null;
        var running = SyncTestKit.SyncAsync(sync);
        await Eventually.ReachAsync(() => Task.FromResult(proxy.Requests.Any(line => line.StartsWith("HEAD", StringComparison.Ordinal))), seen => seen);
        await images.PushAsync("second", registry, "race/app:v1");
        var second = await registry.DigestAsync("race/app", "v1");
        await Eventually.ReachAsync(() => ReadApi.TaggedRepositoriesAsync(host.Client), state => state.GetValueOrDefault("race/app")?.GetValueOrDefault("v1") == second);
        moved.SetResult();
        var reply = await running;

        var stored = await ReadApi.TaggedRepositoriesAsync(host.Client);
        Assert.Equal("completed", reply.Outcome);
        Assert.Equal(second, stored["race/app"]["v1"]);
        Assert.Equal(1, reply.Run!.Count("Skipped"));
    }
}
