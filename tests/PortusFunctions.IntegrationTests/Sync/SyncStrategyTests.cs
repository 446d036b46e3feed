using System.Net;
using System.Text.Json.Nodes;
using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Registry;
using PortusFunctions.Storage;
using PortusFunctions.Sync;

namespace PortusFunctions.IntegrationTests.Sync;

/// <summary>Each strategy against Debian's registry seeded with skopeo, and the store on Azurite.</summary>
public sealed class SyncStrategyTests
{
    [Fact]
    public async Task Initial_EmptyStore_ImportsRegistryExactly()
    {
        await using var scenario = await SyncScenario.SeedAsync();
        await using var host = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "initial");

        var reply = await SyncTestKit.SyncAsync(host);

        var expected = await ReadApi.TaggedRepositoriesAsync(scenario.Registry);
        var actual = await ReadApi.TaggedRepositoriesAsync(host.Client);
        Assert.Equal("completed", reply.Outcome);
        Assert.Equal(ReadApi.Render(expected), ReadApi.Render(actual));
        Assert.Equal(SyncScenario.SeededTags.Keys, actual.Keys);
        foreach (var (repository, tags) in SyncScenario.SeededTags)
        {
            Assert.Equal(tags, actual[repository].Keys);
        }

        var manifests = await ReadApi.ManifestCountsAsync(host.Client);
        Assert.Equal(2, manifests["library/oci"]);
        Assert.Equal(2, manifests["team/app/api"]);
        Assert.Equal(3, manifests["multi/app"]);
        Assert.Equal(5, reply.Run!.Count("RepositoriesRead"));
        Assert.Equal(9, reply.Run.Count("TagsRead"));
        Assert.Equal(0, reply.Run.Count("Deleted"));
        Assert.Equal(0, reply.Run.Count("Errors"));
    }

    [Fact]
    public async Task Initial_Import_RecordsSizesAndPlatforms()
    {
        await using var scenario = await SyncScenario.SeedAsync();
        await using var host = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "initial");

        await SyncTestKit.SyncAsync(host);

        var rows = await StoredRows.ReadAsync(host, TableNames.Images);
        var indexDigest = await scenario.Registry.DigestAsync("multi/app", "latest");
        var index = rows.Single(row => row.PartitionKey == KeyCodec.Encode("multi/app") && row.RowKey == "manifest|" + indexDigest);
        var children = JsonNode.Parse(index.GetString("Children")!)!.AsArray();
        Assert.Equal(MediaTypes.OciIndex, index.GetString("MediaType"));
        Assert.Equal(["linux/amd64", "linux/arm64"], children.Select(child => (string?)child!["platform"]).Order(StringComparer.Ordinal));
        foreach (var child in children)
        {
            var expected = await ImageSizeAsync(scenario.Registry, "multi/app", (string)child!["digest"]!);
            Assert.Equal(expected, (long?)child["size"]);
        }

        var dockerDigest = await scenario.Registry.DigestAsync("team/app/api", "v1");
        var docker = rows.Single(row => row.PartitionKey == KeyCodec.Encode("team/app/api") && row.RowKey == "manifest|" + dockerDigest);
        Assert.Equal(MediaTypes.DockerManifest, docker.GetString("MediaType"));
        Assert.Equal(MediaTypes.DockerConfig, docker.GetString("ConfigMediaType"));
        Assert.Equal(await ImageSizeAsync(scenario.Registry, "team/app/api", dockerDigest), docker.GetInt64("Size"));
    }

    [Fact]
    public async Task Initial_AfterImport_DoesNotImportAgainAfterRestart()
    {
        await using var scenario = await SyncScenario.SeedAsync();
        string prefix;
        await using (var first = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "initial"))
        {
            prefix = first.Settings["Storage:TablePrefix"]!;
            var imported = await SyncTestKit.RunScheduledAsync(first);
            Assert.Equal(SyncOutcome.Completed, imported.Outcome);
        }

        await scenario.PushAsync("moved", "library/oci:later");
        await using var restarted = await SyncTestKit.StartHostAsync(
            scenario.Registry.Url, "initial", new Dictionary<string, string?> { ["Storage:TablePrefix"] = prefix });

        var again = await SyncTestKit.RunScheduledAsync(restarted);

        var stored = await ReadApi.TaggedRepositoriesAsync(restarted.Client);
        Assert.Equal(SyncOutcome.NothingToDo, again.Outcome);
        Assert.Null(again.Run);
        Assert.DoesNotContain("later", stored["library/oci"].Keys);
        Assert.NotNull((await SyncTestKit.StatusAsync(restarted)).InitialImportFinishedAt);
    }

    [Fact]
    public async Task Update_TagMovedAndDeleted_UpdatesAndDeletesNothing()
    {
        await using var scenario = await SyncScenario.SeedAsync();
        await using var host = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "update");
        await SyncTestKit.SyncAsync(host);
        var before = await ReadApi.TaggedRepositoriesAsync(host.Client);
        var movedFrom = before["library/oci"]["stable"];

        await scenario.ChangeAsync();
        var reply = await SyncTestKit.SyncAsync(host);

        var after = await ReadApi.TaggedRepositoriesAsync(host.Client);
        var movedTo = await scenario.Registry.DigestAsync("library/oci", "stable");
        Assert.NotEqual(movedFrom, movedTo);
        Assert.Equal(movedTo, after["library/oci"]["stable"]);
        Assert.Equal(SyncScenario.SeededTags.Keys, after.Keys);
        Assert.Equal(["also-v2", "v1", "v2"], after["team/app/api"].Keys);
        Assert.Equal(["v1"], after["gone/repo"].Keys);
        Assert.Equal(["v1"], after["empty/repo"].Keys);
        Assert.Equal(0, reply.Run!.Count("Deleted"));
        Assert.Equal(1, reply.Run.Count("Updated"));
    }

    [Fact]
    public async Task UpdateDelete_TagMovedAndDeleted_MatchesRegistry()
    {
        await using var scenario = await SyncScenario.SeedAsync();
        await using var host = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "update-delete");
        await SyncTestKit.SyncAsync(host);

        await scenario.ChangeAsync();
        var reply = await SyncTestKit.SyncAsync(host);

        var expected = await ReadApi.TaggedRepositoriesAsync(scenario.Registry);
        var actual = await ReadApi.TaggedRepositoriesAsync(host.Client);
        var manifests = await ReadApi.ManifestCountsAsync(host.Client);
        Assert.Equal("completed", reply.Outcome);
        Assert.Equal(ReadApi.Render(expected), ReadApi.Render(actual));
        Assert.Equal(["library/oci", "multi/app", "team/app/api"], actual.Keys);
        Assert.Equal(["old", "stable", "v1"], actual["library/oci"].Keys);
        Assert.Equal(["v1"], actual["team/app/api"].Keys);
        Assert.Equal(["library/oci", "multi/app", "team/app/api"], manifests.Keys);
        Assert.Equal(3, manifests["library/oci"]);
        Assert.Equal(1, manifests["team/app/api"]);

        // Deleted: tags v2 and also-v2, their manifest, the manifest and tag of empty/repo, and gone/repo.
        Assert.Equal(6, reply.Run!.Count("Deleted"));
    }

    [Fact]
    public async Task Sync_NothingChanged_WritesNothing()
    {
        await using var scenario = await SyncScenario.SeedAsync();
        await using var host = await SyncTestKit.StartHostAsync(scenario.Registry.Url, "update-delete");
        await SyncTestKit.SyncAsync(host);
        await scenario.ChangeAsync();
        await SyncTestKit.SyncAsync(host);
        var before = await SyncTestKit.ImageRowVersionsAsync(host);

        var reply = await SyncTestKit.SyncAsync(host);

        var after = await SyncTestKit.ImageRowVersionsAsync(host);
        Assert.Equal("completed", reply.Outcome);
        Assert.Equal(before, after);
        Assert.Equal(0, reply.Run!.Count("Added") + reply.Run.Count("Updated") + reply.Run.Count("Deleted") + reply.Run.Count("Skipped"));
        Assert.Empty(await StoredRows.ReadAsync(host, TableNames.SyncPending));
    }

    private static async Task<long> ImageSizeAsync(RegistryServer registry, string repository, string digest)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(registry.Url, $"v2/{repository}/manifests/{digest}"));
        foreach (var mediaType in MediaTypes.Manifests)
        {
            request.Headers.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue(mediaType));
        }

        using var response = await registry.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var manifest = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var descriptors = new[] { manifest["config"]! }.Concat(manifest["layers"]!.AsArray().Select(layer => layer!));
        return descriptors.DistinctBy(descriptor => (string)descriptor["digest"]!).Sum(descriptor => (long)descriptor["size"]!);
    }
}
