using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.IntegrationTests.Webhooks;
using PortusFunctions.Storage;

namespace PortusFunctions.IntegrationTests.Sync;

/// <summary>
/// Deletes the guard held back, confirmed by an operator: a confirmation applies only what a complete read after
/// the hold proves again, so a stale hold deletes nothing that exists and a real large deletion still goes ahead.
/// </summary>
public sealed class SyncHeldDeletesTests
{
    private static readonly string[] DeleteEvents = ["tag.pushed", "tag.deleted", "repository.deleted"];

    private static readonly string[] RemovedRepositories = ["empty/repo", "gone/repo", "multi/app", "team/app/api"];

    // Webhook subscribers on 127.0.0.1, and a dispatcher that runs every second.
    private static readonly Dictionary<string, string?> Subscribers = new()
    {
        ["Outbox:AllowHttp"] = "true",
        ["Outbox:AllowPrivateTargets"] = "true",
        ["Outbox:InitialBackoff"] = "00:00:00.2",
        ["Outbox:MaxBackoff"] = "00:00:01",
        ["Outbox:Schedule"] = "*/1 * * * * *",
    };

    [Fact]
    public async Task Confirm_StaleHold_DeletesNothingThatExists()
    {
        await using var scenario = await SyncScenario.SeedAsync();
        await using var proxy = await FaultProxy.StartAsync(scenario.Registry.Url);
        await using var host = await SyncTestKit.StartHostAsync(proxy.Url, "update-delete", Subscribers);
        await using var subscriber = await SubscriberServer.StartAsync();
        await SyncTestKit.SyncAsync(host);
        var subscription = await WebhookHost.SubscribeAsync(host, new { url = subscriber.Url, events = DeleteEvents });
        var imported = await ReadApi.TaggedRepositoriesAsync(host.Client);

        // For one pass the registry lists an empty catalog, which looks as if everything was deleted.
        proxy.Rule = request => request.Path == "/v2/_catalog" ? new ProxyFault(Body: _ => """{"repositories":[]}""", Link: _ => null) : null;
        var heldRun = await SyncTestKit.SyncAsync(host);
        var hold = (await SyncTestKit.StatusAsync(host)).HeldDeletes;
        proxy.Rule = null;
        var rowsBefore = await SyncTestKit.ImageRowVersionsAsync(host);

        var confirmed = await SyncTestKit.SyncAsync(host, "?confirmDeletes=true");

        var rowsAfter = await SyncTestKit.ImageRowVersionsAsync(host);
        var stored = await ReadApi.TaggedRepositoriesAsync(host.Client);
        Assert.Equal("held", heldRun.Outcome);
        Assert.NotNull(hold);
        Assert.Contains("5 repositories", hold.Summary, StringComparison.Ordinal);
        Assert.NotNull(hold.PassStartedAt);
        Assert.NotNull(hold.HeldAt);
        Assert.True(hold.PassStartedAt <= hold.HeldAt, $"proved from {hold.PassStartedAt:O} to {hold.HeldAt:O}");
        Assert.Null(hold.ConfirmedAt);
        Assert.Equal("completed", confirmed.Outcome);
        Assert.Equal(0, confirmed.Run!.Count("Deleted"));
        Assert.Equal(0, confirmed.Run.Count("Added"));
        Assert.Equal(ReadApi.Render(imported), ReadApi.Render(stored));
        Assert.Equal(rowsBefore, rowsAfter);
        Assert.Empty(await WebhookHost.OutboxRowsAsync(host, subscription));
        Assert.Null((await SyncTestKit.StatusAsync(host)).HeldDeletes);
        Assert.Contains($"0 of the 5 confirmed deletes of pass {hold.PassId}", confirmed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Confirm_MostRepositoriesRemoved_HeldThenApplied()
    {
        await using var scenario = await SyncScenario.SeedAsync();
        await using var host = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "update-delete", Subscribers);
        await using var subscriber = await SubscriberServer.StartAsync();
        await SyncTestKit.SyncAsync(host);
        var subscription = await WebhookHost.SubscribeAsync(host, new { url = subscriber.Url, events = new[] { "repository.deleted" } });
        var imported = await ReadApi.TaggedRepositoriesAsync(host.Client);
        foreach (var repository in RemovedRepositories)
        {
            scenario.Registry.RemoveRepository(repository);
        }

        var heldRun = await SyncTestKit.SyncAsync(host);
        var afterHold = await ReadApi.TaggedRepositoriesAsync(host.Client);
        var outboxAfterHold = await WebhookHost.OutboxRowsAsync(host, subscription);
        var confirmed = await SyncTestKit.SyncAsync(host, "?confirmDeletes=true");
        var received = await subscriber.WaitForAsync(RemovedRepositories.Length);

        var registry = await ReadApi.TaggedRepositoriesAsync(scenario.Registry);
        var stored = await ReadApi.TaggedRepositoriesAsync(host.Client);
        var deleted = received.Select(request => WebhookHost.Json(request).GetProperty("subject").GetString()).Order(StringComparer.Ordinal);
        Assert.Equal("held", heldRun.Outcome);
        Assert.Equal(ReadApi.Render(imported), ReadApi.Render(afterHold));
        Assert.Empty(outboxAfterHold);
        Assert.Equal("completed", confirmed.Outcome);
        Assert.Equal(["library/oci"], stored.Keys);
        Assert.Equal(ReadApi.Render(registry), ReadApi.Render(stored));
        Assert.Equal(RemovedRepositories, deleted);
        Assert.Null((await SyncTestKit.StatusAsync(host)).HeldDeletes);
        Assert.Contains("4 of the 4 confirmed deletes", confirmed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Confirm_HoldPartlyStale_DeletesOnlyProvedAgain()
    {
        await using var scenario = await SyncScenario.SeedAsync();
        await using var proxy = await FaultProxy.StartAsync(scenario.Registry.Url);
        await using var host = await SyncTestKit.StartHostAsync(proxy.Url, "update-delete");
        await SyncTestKit.SyncAsync(host);
        var imported = await ReadApi.TaggedRepositoriesAsync(host.Client);

        // The empty catalog makes the guard hold back deletes of all five repositories; then four are really removed.
        proxy.Rule = request => request.Path == "/v2/_catalog" ? new ProxyFault(Body: _ => """{"repositories":[]}""", Link: _ => null) : null;
        var heldRun = await SyncTestKit.SyncAsync(host);
        proxy.Rule = null;
        foreach (var repository in RemovedRepositories)
        {
            scenario.Registry.RemoveRepository(repository);
        }

        var keptBefore = await RowVersionsOfAsync(host, "library/oci");
        var confirmed = await SyncTestKit.SyncAsync(host, "?confirmDeletes=true");

        var stored = await ReadApi.TaggedRepositoriesAsync(host.Client);
        Assert.Equal("held", heldRun.Outcome);
        Assert.Equal("completed", confirmed.Outcome);
        Assert.Equal(["library/oci"], stored.Keys);
        Assert.Equal(imported["library/oci"], stored["library/oci"]);
        Assert.Equal(keptBefore, await RowVersionsOfAsync(host, "library/oci"));
        Assert.Contains("4 of the 5 confirmed deletes", confirmed.Message, StringComparison.Ordinal);
    }

    /// <summary>Returns the image rows of one repository with their ETags, which change when a row is rewritten.</summary>
    private static async Task<IReadOnlyList<string>> RowVersionsOfAsync(PortusHost host, string repository)
    {
        var key = "/" + KeyCodec.Encode(repository) + "/";
        return [.. (await SyncTestKit.ImageRowVersionsAsync(host)).Where(row => row.Contains(key, StringComparison.Ordinal))];
    }
}
