using Azure;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using PortusFunctions.Images;
using PortusFunctions.Registry;
using PortusFunctions.Sync;

namespace PortusFunctions.Tests.Sync;

public sealed class SyncWriterTests
{
    private const string Repository = "team/app";
    private static readonly string Digest = "sha256:" + new string('a', 64);
    private static readonly ChangeVersion Version = ChangeVersion.At(new DateTimeOffset(2026, 12, 4, 11, 0, 0, TimeSpan.Zero), "sync:run");

    [Fact]
    public async Task Apply_ManyTags_CommitsAtMostOneHundredRowsEach()
    {
        var committed = new List<int>();
        var images = Store(committed, failFirstCommit: false);
        var counts = new SyncCounts();
        IReadOnlyList<ImageCommand> commands = [.. Enumerable.Range(0, 150).Select(i => Push($"tag-{i:D3}"))];

        await new SyncWriter(images.Object, counts, NullLogger.Instance).ApplyAsync(Repository, (_, _) => Task.FromResult(commands), CancellationToken.None);

        Assert.True(committed.Count >= 2, $"{committed.Count} commits");
        Assert.All(committed, rows => Assert.InRange(rows, 1, 100));
        Assert.Equal(150, counts.Added);
    }

    [Fact]
    public async Task Apply_ConcurrentWrite_LoadsAgainAndPlansAgain()
    {
        var committed = new List<int>();
        var images = Store(committed, failFirstCommit: true);
        var counts = new SyncCounts();
        var plans = 0;
        IReadOnlyList<ImageCommand> commands = [Push("v1")];

        await new SyncWriter(images.Object, counts, NullLogger.Instance).ApplyAsync(
            Repository,
            (_, _) =>
            {
                plans++;
                return Task.FromResult(commands);
            },
            CancellationToken.None);

        Assert.Equal(2, plans);
        images.Verify(store => store.LoadAsync(Repository, It.IsAny<CancellationToken>()), Times.Exactly(2));
        Assert.Equal([3], committed);
        Assert.Equal(1, counts.Added);
    }

    [Fact]
    public void Apply_PendingDeleteOlderThanEventPush_KeepsTag()
    {
        var partition = new ImagePartition(new RepositorySummary { Name = Repository });
        partition.MarkComplete();
        partition.Apply(new PushManifest(Repository, ChangeVersion.At(Version.Time.AddSeconds(1), "event-1"), Digest, MediaTypes.OciManifest, ManifestDetails.Unknown, "v1"));

        var outcome = partition.Apply(new PendingDelete(Repository, PendingDeleteKind.Tag, "v1", Version).ToCommand());

        Assert.False(outcome.Changed);
        Assert.Equal(Digest, partition.VisibleDigest(partition.FindTag("v1")!));
    }

    [Fact]
    public async Task Apply_RepositoryDeleteOlderThanPush_CountsSkipped()
    {
        var later = ChangeVersion.At(Version.Time.AddSeconds(1), "event-1");
        var images = Store([], failFirstCommit: false, new PushManifest(Repository, later, Digest, MediaTypes.OciManifest, ManifestDetails.Unknown, "v1"));
        var counts = new SyncCounts();
        IReadOnlyList<ImageCommand> commands = [new DeleteRepository(Repository, Version)];

        var partition = await new SyncWriter(images.Object, counts, NullLogger.Instance).ApplyAsync(Repository, (_, _) => Task.FromResult(commands), CancellationToken.None);

        Assert.Equal(Digest, partition.VisibleDigest(partition.FindTag("v1")!));
        Assert.Equal(0, counts.Deleted);
        Assert.Equal(1, counts.Skipped);
    }

    [Fact]
    public async Task Apply_PushOlderThanDigestDelete_CountsSkipped()
    {
        var later = ChangeVersion.At(Version.Time.AddSeconds(1), "event-1");
        var images = Store([], failFirstCommit: false, new DeleteDigest(Repository, later, Digest));
        var counts = new SyncCounts();
        IReadOnlyList<ImageCommand> commands = [Push("v1")];

        var partition = await new SyncWriter(images.Object, counts, NullLogger.Instance).ApplyAsync(Repository, (_, _) => Task.FromResult(commands), CancellationToken.None);

        Assert.Null(partition.VisibleDigest(partition.FindTag("v1")!));
        Assert.Equal(0, counts.Added);
        Assert.Equal(1, counts.Skipped);
    }

    [Fact]
    public async Task Apply_TagDeleteOfVisibleTag_CountsDeleted()
    {
        var earlier = ChangeVersion.At(Version.Time.AddSeconds(-1), "event-1");
        var images = Store([], failFirstCommit: false, new PushManifest(Repository, earlier, Digest, MediaTypes.OciManifest, ManifestDetails.Unknown, "v1"));
        var counts = new SyncCounts();
        IReadOnlyList<ImageCommand> commands = [new DeleteTag(Repository, Version, "v1")];

        var partition = await new SyncWriter(images.Object, counts, NullLogger.Instance).ApplyAsync(Repository, (_, _) => Task.FromResult(commands), CancellationToken.None);

        Assert.Null(partition.VisibleDigest(partition.FindTag("v1")!));
        Assert.Equal(1, counts.Deleted);
        Assert.Equal(0, counts.Skipped);
    }

    private static PushManifest Push(string tag) =>
        new(Repository, Version, Digest, MediaTypes.OciManifest, new ManifestDetails(10, MediaTypes.OciConfig, []), tag);

    /// <summary>A store whose repository contains the committed result of <paramref name="stored"/> at each load.</summary>
    private static Mock<IImageStore> Store(List<int> committed, bool failFirstCommit, params ImageCommand[] stored)
    {
        var images = new Mock<IImageStore>();
        images.Setup(store => store.LoadAsync(Repository, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() =>
            {
                var partition = new ImagePartition(new RepositorySummary { Name = Repository });
                partition.MarkComplete();
                foreach (var command in stored)
                {
                    partition.Apply(command);
                }

                partition.MarkCommitted();
                return partition;
            });
        var failed = !failFirstCommit;
        images.Setup(store => store.CommitAsync(It.IsAny<ImagePartition>(), It.IsAny<CancellationToken>()))
            .Returns<ImagePartition, CancellationToken>((partition, _) =>
            {
                if (!failed)
                {
                    failed = true;
                    throw new RequestFailedException(412, "The update condition specified in the request was not satisfied.");
                }

                committed.Add(partition.DirtyRowCount);
                partition.MarkCommitted();
                return Task.CompletedTask;
            });
        return images;
    }
}
