using PortusFunctions.Images;
using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Registry;
using PortusFunctions.Webhooks.Subscriptions;

namespace PortusFunctions.IntegrationTests.Images;

/// <summary>Batched applies, the index row written without a read, and the subscription listing, on Azurite.</summary>
public sealed class ImageStoreBatchTests
{
    private const string Repository = "team/batch";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Batches_RandomCommands_MatchOneByOne(int seed)
    {
        await using var single = await PortusHost.StartAsync();
        await using var batched = await PortusHost.StartAsync();
        var commands = RandomCommands(new Random(seed), 90);

        var expected = new List<ApplyOutcome>();
        foreach (var command in commands)
        {
            expected.Add(await single.Service<IImageStore>().ApplyAsync(command, CancellationToken.None));
        }

        var actual = new List<ApplyOutcome>();
        foreach (var batch in commands.Chunk(ImageStore.MaxBatch))
        {
            actual.AddRange(await batched.Service<IImageStore>().ApplyAsync(batch, CancellationToken.None));
        }

        Assert.Equal(expected, actual);
        Assert.Equal(await RowsAsync(single), await RowsAsync(batched));
        Assert.Equal(
            (await single.Service<IImageStore>().ListRepositoriesAsync(CancellationToken.None)).Single(),
            (await batched.Service<IImageStore>().ListRepositoriesAsync(CancellationToken.None)).Single());
    }

    [Fact]
    public async Task Batch_WithDigestDelete_Rejected()
    {
        await using var host = await PortusHost.StartAsync();
        var store = host.Service<IImageStore>();
        ImageCommand[] batch = [Push("a", "one", 1), new DeleteDigest(Repository, Version(2), Digest("one"))];

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.ApplyAsync(batch, CancellationToken.None));

        Assert.Contains("tag pushes, digest pushes and tag deletes of one repository", error.Message, StringComparison.Ordinal);
        Assert.Null(await store.GetRepositoryAsync(Repository, CancellationToken.None));
    }

    [Fact]
    public async Task IndexRow_ChangedElsewhere_StillUpdated()
    {
        await using var first = await PortusHost.StartAsync();
        await using var second = await PortusHost.StartAsync(overrides: new Dictionary<string, string?>
        {
            ["Storage:TablePrefix"] = first.Settings["Storage:TablePrefix"],
        });

        await first.Service<IImageStore>().ApplyAsync(Push("a", "one", 1), CancellationToken.None);
        await second.Service<IImageStore>().ApplyAsync(Push("b", "two", 2), CancellationToken.None);
        await first.Service<IImageStore>().ApplyAsync(Push("c", "three", 3), CancellationToken.None);

        var listing = Assert.Single(await second.Service<IImageStore>().ListRepositoriesAsync(CancellationToken.None));
        Assert.Equal(3, listing.TagCount);
        Assert.Equal(3, listing.ManifestCount);
    }

    [Fact]
    public async Task RecentListing_Writes_SeenInTime()
    {
        await using var first = await PortusHost.StartAsync();
        await using var second = await PortusHost.StartAsync(overrides: new Dictionary<string, string?>
        {
            ["Storage:TablePrefix"] = first.Settings["Storage:TablePrefix"],
        });
        var local = first.Service<ISubscriptionStore>();
        var remote = second.Service<ISubscriptionStore>();
        Assert.Empty(await local.ListRecentAsync(CancellationToken.None));
        Assert.Empty(await remote.ListRecentAsync(CancellationToken.None));

        await local.AddAsync(Subscription("added-here"), CancellationToken.None);
        Assert.Equal(["added-here"], (await local.ListRecentAsync(CancellationToken.None)).Select(subscription => subscription.Id));

        var seen = await Eventually.ReachAsync(
            () => remote.ListRecentAsync(CancellationToken.None),
            list => list.Count == 1,
            SubscriptionStore.ListingLifetime * 5);
        Assert.Equal("added-here", seen[0].Id);

        Assert.True(await local.DeleteAsync("added-here", CancellationToken.None));
        Assert.Empty(await local.ListRecentAsync(CancellationToken.None));
    }

    /// <summary>Pushes with and without a tag and tag deletes on 6 tags and 12 digests, with versions out of order.</summary>
    private static List<ImageCommand> RandomCommands(Random random, int count)
    {
        var commands = new List<ImageCommand>(count);
        for (var i = 0; i < count; i++)
        {
            var second = random.Next(1, 60);
            var tag = "t" + random.Next(6);
            commands.Add(random.Next(10) switch
            {
                < 6 => Push(tag, "d" + random.Next(12), second),
                < 8 => new PushManifest(Repository, Version(second), Digest("d" + random.Next(12)), MediaTypes.OciManifest, ManifestDetails.Unknown, null),
                _ => new DeleteTag(Repository, Version(second), tag),
            });
        }

        return commands;
    }

    private static async Task<string> RowsAsync(PortusHost host)
    {
        var partition = await host.Service<IImageStore>().LoadAsync(Repository, CancellationToken.None);
        var tags = partition.Tags.OrderBy(tag => tag.Tag, StringComparer.Ordinal)
            .Select(tag => $"{tag.Tag}={partition.VisibleDigest(tag)}@{tag.Version}/{tag.Digest}");
        var manifests = partition.Manifests.OrderBy(manifest => manifest.Digest, StringComparer.Ordinal)
            .Select(manifest => $"{manifest.Digest}:{partition.IsVisible(manifest)}@{manifest.PushedAt}/{manifest.DeletedAt}");
        return string.Join("\n", tags.Concat(manifests).Append($"{partition.Summary.TagCount}/{partition.Summary.ManifestCount}"));
    }

    private static Subscription Subscription(string id) => new()
    {
        Id = id,
        Url = new Uri("http://127.0.0.1:9/hook"),
        Filter = new RepositoryFilter(["team/*"], null),
        Events = ["tag.pushed"],
        CreatedAt = DateTimeOffset.UtcNow,
    };

    private static PushManifest Push(string tag, string digestSeed, int second) =>
        new(Repository, Version(second), Digest(digestSeed), MediaTypes.OciManifest, ManifestDetails.Unknown, tag);

    private static ChangeVersion Version(int second) => Webhooks.DeliveryTests.Version(second);

    private static string Digest(string seed) => Webhooks.DeliveryTests.Digest(seed);
}
