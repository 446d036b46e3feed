using System.Diagnostics;
using System.Globalization;
using System.Net;
using Azure.Data.Tables;
using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Jobs;
using PortusFunctions.Storage;
using PortusFunctions.Sync;

namespace PortusFunctions.IntegrationTests.Sync;

/// <summary>Runs that stop half-way, on their time budget or killed, and the runs that continue from their cursor.</summary>
public sealed class SyncResumeTests
{
    private const int BulkRepositories = 10;

    [Fact]
    public async Task TimeBudget_Exhausted_NextRunsContinueFromCursor()
    {
        await using var scenario = await SeedAsync();
        await using var proxy = await FaultProxy.StartAsync(scenario.Registry.Url);
        proxy.Rule = request => request.Path.Value!.EndsWith("/tags/list", StringComparison.Ordinal)
            ? new ProxyFault(Delay: TimeSpan.FromMilliseconds(400))
            : null;
        await using var host = await SyncTestKit.StartHostAsync(proxy.Url, "update", new Dictionary<string, string?>
        {
            ["Registry:PageSize"] = "2",
            ["Registry:MaxConcurrency"] = "1",
            ["Sync:TimeBudget"] = "00:00:01",
        });

        var replies = new List<SyncTestKit.SyncReply>();
        do
        {
            replies.Add(await SyncTestKit.SyncAsync(host));
        }
        while (replies[^1].Outcome == "paused" && replies.Count < 40);

        Assert.Equal("completed", replies[^1].Outcome);
        Assert.True(replies.Count >= 3, $"{replies.Count} runs");
        Assert.Null(replies[0].Run!.StartCursor);
        for (var i = 1; i < replies.Count; i++)
        {
            Assert.Equal(replies[i - 1].Run!.Cursor, replies[i].Run!.StartCursor);
        }

        var total = 5 + BulkRepositories;
        Assert.Equal(total, replies.Sum(reply => reply.Run!.Count("RepositoriesRead")));
        Assert.Equal(
            ReadApi.Render(await ReadApi.TaggedRepositoriesAsync(scenario.Registry)),
            ReadApi.Render(await ReadApi.TaggedRepositoriesAsync(host.Client)));
    }

    [Fact]
    public async Task TimeBudget_TagListStalls_StopsThenConverges()
    {
        await using var scenario = await SyncScenario.SeedAsync();
        await using var proxy = await FaultProxy.StartAsync(scenario.Registry.Url);
        await using var host = await SyncTestKit.StartHostAsync(proxy.Url, "update-delete", new Dictionary<string, string?>
        {
            ["Registry:PageSize"] = "2",
            ["Registry:MaxRetries"] = "1",
            ["Registry:RequestTimeout"] = "00:00:30",
            ["Sync:TimeBudget"] = "00:00:10",
        });
        await SyncTestKit.SyncAsync(host);
        await scenario.ChangeAsync();

        // The catalog pages are [empty/repo, library/oci] and [multi/app, team/app/api]. The tag list of multi/app
        // never responds, so its read outlasts the budget by far: two attempts of 30 s each.
        var never = new TaskCompletionSource();
        proxy.Rule = request => request.Path == "/v2/multi/app/tags/list" ? new ProxyFault(Until: never.Task) : null;
        var elapsed = Stopwatch.StartNew();
        var stopped = await SyncTestKit.SyncAsync(host);
        var manualTime = elapsed.Elapsed;
        elapsed.Restart();
        var scheduled = await SyncTestKit.RunScheduledAsync(host);
        var scheduledTime = elapsed.Elapsed;
        var pass = (await SyncTestKit.StatusAsync(host)).Pass;
        var afterStop = await ReadApi.TaggedRepositoriesAsync(host.Client);

        Assert.Equal("paused", stopped.Outcome);
        Assert.True(manualTime < TimeSpan.FromSeconds(15), $"The manual run with a 10 s budget returned after {manualTime}.");
        Assert.Equal("library/oci", stopped.Run!.Cursor);
        Assert.Equal(0, stopped.Run.Count("Deleted"));
        Assert.Equal(SyncOutcome.Paused, scheduled.Outcome);
        Assert.True(scheduledTime < TimeSpan.FromSeconds(15), $"The scheduled run with a 10 s budget returned after {scheduledTime}.");
        Assert.Equal("library/oci", scheduled.Run!.Cursor);
        Assert.Equal("library/oci", pass?.Cursor);
        Assert.Equal(SyncScenario.SeededTags.Keys, afterStop.Keys);
        Assert.Equal(2, host.Logs.Entries.Count(entry => entry.EventId.Id == 3149 && entry.Message.Contains("multi/app", StringComparison.Ordinal)));

        proxy.Rule = null;
        var next = await SyncTestKit.SyncAsync(host);

        var registry = await ReadApi.TaggedRepositoriesAsync(scenario.Registry);
        var converged = await ReadApi.TaggedRepositoriesAsync(host.Client);
        var manifests = await ReadApi.ManifestCountsAsync(host.Client);
        Assert.Equal("completed", next.Outcome);
        Assert.Equal("library/oci", next.Run!.StartCursor);
        Assert.Equal(ReadApi.Render(registry), ReadApi.Render(converged));
        Assert.Equal(["library/oci", "multi/app", "team/app/api"], manifests.Keys);
        Assert.Equal([3, 3, 1], manifests.Values);
    }

    [Fact]
    public async Task Kill_HalfwayThroughImport_ResumesAndMatchesUninterruptedRun()
    {
        await using var scenario = await SeedAsync();
        await using var proxy = await FaultProxy.StartAsync(scenario.Registry.Url);
        proxy.Rule = request => request.Path.Value!.EndsWith("/tags/list", StringComparison.Ordinal)
            ? new ProxyFault(Delay: TimeSpan.FromMilliseconds(250))
            : null;
        var tables = await SharedAzurite.ConnectionStringAsync();
        var prefix = SharedAzurite.NewTablePrefix();
        var total = 5 + BulkRepositories;

        // The bare-metal host in a process of its own, importing on a schedule that fires every second.
        var port = TestTools.FreePort();
        var host = Path.Combine(AppContext.BaseDirectory, "PortusFunctions.Host.dll");
        var child = await ExternalProcess.StartAsync(
            DotnetHost(),
            [host, "--urls", $"http://127.0.0.1:{port}"],
            port,
            TimeSpan.FromSeconds(60),
            new Dictionary<string, string>
            {
                ["Storage__Tables"] = tables,
                ["Storage__TablePrefix"] = prefix,
                ["Access__ReaderKey"] = PortusHost.ReaderKey,
                ["Access__AdminKey"] = PortusHost.AdminKey,
                ["Webhook__Secret"] = PortusHost.Secret,
                ["Inbox__DrainSchedule"] = SyncTestKit.NeverSchedule,
                ["Registry__Url"] = proxy.Url.ToString(),
                ["Registry__PageSize"] = "2",
                ["Registry__MaxConcurrency"] = "1",
                ["Sync__Strategy"] = "initial",
                ["Sync__Schedule"] = "*/1 * * * * *",
                ["Sync__LeaseDuration"] = "00:00:04",
            });
        int imported;
        string? cursor;
        await using (child)
        {
            imported = await Eventually.ReachAsync(() => CountRepositoriesAsync(tables, prefix), count => count >= total / 3, TimeSpan.FromSeconds(90));
            await child.KillAsync();
            imported = await CountRepositoriesAsync(tables, prefix);
            cursor = (await ReadStateAsync(tables, prefix))?.GetString("Cursor");
        }

        Assert.InRange(imported, 1, total - 1);
        Assert.NotNull(cursor);

        await using var resumed = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "initial", new Dictionary<string, string?>
        {
            ["Storage:TablePrefix"] = prefix,
            ["Registry:PageSize"] = "2",
            ["Sync:LeaseDuration"] = "00:00:04",
        });

        // The killed process holds the lease until it expires; until then a run skips.
        var (status, reply, body) = await Eventually.ReachAsync(
            () => SyncTestKit.PostSyncAsync(resumed),
            result => result.Status != HttpStatusCode.Conflict,
            TimeSpan.FromSeconds(30));

        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal("completed", reply!.Outcome);
        Assert.Equal(cursor, reply.Run!.StartCursor);
        Assert.True(reply.Run.Count("RepositoriesRead") < total, $"{reply.Run.Count("RepositoriesRead")} of {total} repositories read again");
        var runs = await resumed.Service<JobRunStore>().RecentRunsAsync(SyncService.JobName, 2, CancellationToken.None);
        Assert.Equal(JobRunStatus.Failed, runs[1].Status);
        Assert.StartsWith("Interrupted", runs[1].Message, StringComparison.Ordinal);

        await using var uninterrupted = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "initial");
        await SyncTestKit.SyncAsync(uninterrupted);
        Assert.Equal(
            ReadApi.Render(await ReadApi.TaggedRepositoriesAsync(uninterrupted.Client)),
            ReadApi.Render(await ReadApi.TaggedRepositoriesAsync(resumed.Client)));
        Assert.Equal(await ReadApi.ManifestCountsAsync(uninterrupted.Client), await ReadApi.ManifestCountsAsync(resumed.Client));
        Assert.Equal(await SyncTestKit.ManifestDescriptionsAsync(uninterrupted), await SyncTestKit.ManifestDescriptionsAsync(resumed));
        Assert.Equal(total, (await ReadApi.TaggedRepositoriesAsync(resumed.Client)).Count);
    }

    /// <summary>The scenario's registry with <see cref="BulkRepositories"/> more repositories of one tag each.</summary>
    private static async Task<SyncScenario> SeedAsync()
    {
        var scenario = await SyncScenario.SeedAsync();
        for (var i = 1; i <= BulkRepositories; i++)
        {
            await scenario.RetagAsync("library/oci:old", string.Create(CultureInfo.InvariantCulture, $"bulk/repo-{i:D2}:v{i}"));
        }

        return scenario;
    }

    private static async Task<int> CountRepositoriesAsync(string tables, string prefix)
    {
        var table = new TableServiceClient(tables).GetTableClient(prefix + TableNames.Repositories);
        var count = 0;
        try
        {
            await foreach (var row in table.QueryAsync<TableEntity>())
            {
                count += (row.GetInt32("TagCount") ?? 0) > 0 ? 1 : 0;
            }
        }
        catch (Azure.RequestFailedException exception) when (exception.Status == 404)
        {
            return 0;
        }

        return count;
    }

    private static async Task<TableEntity?> ReadStateAsync(string tables, string prefix)
    {
        var table = new TableServiceClient(tables).GetTableClient(prefix + TableNames.Jobs);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(SyncService.JobName, "state");
        return row.HasValue ? row.Value : null;
    }

    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
}
