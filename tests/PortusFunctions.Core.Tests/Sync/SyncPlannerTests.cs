using PortusFunctions.Images;
using PortusFunctions.Registry;
using PortusFunctions.Sync;

namespace PortusFunctions.Tests.Sync;

public sealed class SyncPlannerTests
{
    private const string Repository = "team/app";
    private static readonly string DigestA = "sha256:" + new string('a', 64);
    private static readonly string DigestB = "sha256:" + new string('b', 64);
    private static readonly string Child1 = "sha256:" + new string('1', 64);
    private static readonly string Child2 = "sha256:" + new string('2', 64);
    private static readonly ChangeVersion EventVersion = ChangeVersion.At(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero), "event-1");
    private static readonly ChangeVersion SyncVersion = ChangeVersion.At(new DateTimeOffset(2026, 12, 4, 11, 0, 0, TimeSpan.Zero), "sync:run");
    private static readonly ManifestDetails ImageDetails = new(1234, MediaTypes.OciConfig, []);

    [Fact]
    public void PlanUpserts_TagVisibleAtSameDigest_PlansNothing()
    {
        var partition = Store(new PushManifest(Repository, EventVersion, DigestA, MediaTypes.OciManifest, ImageDetails, "v1"));
        var read = Read(("v1", DigestA));

        Assert.Empty(SyncPlanner.DigestsToRead(partition, read));
        Assert.Empty(SyncPlanner.PlanUpserts(partition, read, Fetched(), SyncVersion));
    }

    [Fact]
    public void PlanUpserts_TagMoved_PushesRegistryDigest()
    {
        var partition = Store(
            new PushManifest(Repository, EventVersion, DigestA, MediaTypes.OciManifest, ImageDetails, "v1"),
            new PushManifest(Repository, EventVersion, DigestB, MediaTypes.OciManifest, ImageDetails, null));
        var read = Read(("v1", DigestB));

        var commands = SyncPlanner.PlanUpserts(partition, read, Fetched(), SyncVersion);

        var push = Assert.IsType<PushManifest>(Assert.Single(commands));
        Assert.Equal("v1", push.Tag);
        Assert.Equal(DigestB, push.Digest);
        Assert.Equal(SyncVersion, push.Version);
        Assert.Equal(ImageDetails, push.Details);
    }

    [Fact]
    public void PlanUpserts_NewTag_ReadsManifestAndPushesItsDetails()
    {
        var partition = Store();
        var read = Read(("latest", DigestA));
        var fetched = Fetched(new FetchedManifest(DigestA, MediaTypes.DockerManifest, ImageDetails));

        var toRead = SyncPlanner.DigestsToRead(partition, read);
        var commands = SyncPlanner.PlanUpserts(partition, read, fetched, SyncVersion);

        Assert.Equal([DigestA], toRead);
        var push = Assert.IsType<PushManifest>(Assert.Single(commands));
        Assert.Equal("latest", push.Tag);
        Assert.Equal(MediaTypes.DockerManifest, push.MediaType);
        Assert.Equal(1234, push.Details.Size);
    }

    [Fact]
    public void PlanUpserts_NewIndex_PushesChildrenUntaggedAndIndexTagged()
    {
        var partition = Store();
        var read = Read(("multi", DigestA));
        var indexDetails = new ManifestDetails(null, null,
            [new ManifestChild(Child1, MediaTypes.OciManifest, "linux/amd64", 10), new ManifestChild(Child2, MediaTypes.OciManifest, "linux/arm64", 20)]);
        var fetched = Fetched(
            new FetchedManifest(DigestA, MediaTypes.OciIndex, indexDetails),
            new FetchedManifest(Child1, MediaTypes.OciManifest, new ManifestDetails(10, MediaTypes.OciConfig, [])),
            new FetchedManifest(Child2, MediaTypes.OciManifest, new ManifestDetails(20, MediaTypes.OciConfig, [])));

        var commands = SyncPlanner.PlanUpserts(partition, read, fetched, SyncVersion).Cast<PushManifest>().ToList();

        Assert.Equal([(Child1, null), (Child2, null), (DigestA, "multi")], commands.Select(push => (push.Digest, push.Tag)));
        Assert.Equal(indexDetails, commands[2].Details);
    }

    [Fact]
    public void DigestsToRead_IndexFromEventWithoutChildSizes_ReadsIt()
    {
        var eventDetails = new ManifestDetails(null, null, [new ManifestChild(Child1, MediaTypes.OciManifest, "linux/amd64", null)]);
        var partition = Store(new PushManifest(Repository, EventVersion, DigestA, MediaTypes.OciIndex, eventDetails, "multi"));

        Assert.Equal([DigestA], SyncPlanner.DigestsToRead(partition, Read(("multi", DigestA))));
    }

    [Fact]
    public void PlanUpserts_UnknownDetailsFilledIn_PushesManifestWithoutTag()
    {
        var partition = Store(new PushManifest(Repository, EventVersion, DigestA, MediaTypes.OciManifest, ManifestDetails.Unknown, "v1"));
        var read = Read(("v1", DigestA));
        var fetched = Fetched(new FetchedManifest(DigestA, MediaTypes.OciManifest, ImageDetails));

        var push = Assert.IsType<PushManifest>(Assert.Single(SyncPlanner.PlanUpserts(partition, read, fetched, SyncVersion)));

        Assert.Null(push.Tag);
        Assert.Equal(ImageDetails, push.Details);
    }

    [Fact]
    public void PlanUpserts_IncompleteDetailsSameAsRead_PlansNothing()
    {
        var emptyIndex = new ManifestDetails(null, null, []);
        var partition = Store(new PushManifest(Repository, EventVersion, DigestA, MediaTypes.OciIndex, emptyIndex, "v1"));
        var fetched = Fetched(new FetchedManifest(DigestA, MediaTypes.OciIndex, emptyIndex));

        Assert.Empty(SyncPlanner.PlanUpserts(partition, Read(("v1", DigestA)), fetched, SyncVersion));
    }

    [Fact]
    public void PlanUpserts_MediaTypeUnknownEverywhere_LeavesTagForLaterRun()
    {
        var read = Read(("v1", DigestA));
        var unknown = new RepositoryRead
        {
            Repository = Repository,
            Found = true,
            Tags = new Dictionary<string, RegistryTag> { ["v1"] = new(DigestA, null) },
        };

        Assert.NotEmpty(SyncPlanner.PlanUpserts(Store(), read, Fetched(), SyncVersion));
        Assert.Empty(SyncPlanner.PlanUpserts(Store(), unknown, Fetched(), SyncVersion));
    }

    [Fact]
    public void Apply_SyncReadBeforeEvent_DoesNotUndoEvent()
    {
        var moved = ChangeVersion.At(SyncVersion.Time.AddSeconds(5), "event-2");
        var partition = Store(
            new PushManifest(Repository, EventVersion, DigestA, MediaTypes.OciManifest, ImageDetails, "v1"),
            new PushManifest(Repository, moved, DigestB, MediaTypes.OciManifest, ImageDetails, "v1"));
        var staleRead = Read(("v1", DigestA));

        foreach (var command in SyncPlanner.PlanUpserts(partition, staleRead, Fetched(), SyncVersion))
        {
            partition.Apply(command);
        }

        Assert.Equal(DigestB, partition.VisibleDigest(partition.FindTag("v1")!));
    }

    [Fact]
    public void PlanDeletes_TagsGone_DeletesOnlyVisibleTagsNotListed()
    {
        var partition = Store(
            new PushManifest(Repository, EventVersion, DigestA, MediaTypes.OciManifest, ImageDetails, "keep"),
            new PushManifest(Repository, EventVersion, DigestA, MediaTypes.OciManifest, ImageDetails, "gone"),
            new PushManifest(Repository, EventVersion, DigestB, MediaTypes.OciManifest, ImageDetails, "deleted-before"),
            new DeleteTag(Repository, EventVersion with { Source = "event-9" }, "deleted-before"));

        var deletes = SyncPlanner.PlanDeletes(partition, Read(("keep", DigestA)), [], SyncVersion);

        var delete = Assert.Single(deletes);
        Assert.Equal(new PendingDelete(Repository, PendingDeleteKind.Tag, "gone", SyncVersion), delete);
    }

    [Fact]
    public void PlanDeletes_TagsNull_DeletesEveryVisibleTag()
    {
        var partition = Store(
            new PushManifest(Repository, EventVersion, DigestA, MediaTypes.OciManifest, ImageDetails, "v1"),
            new PushManifest(Repository, EventVersion, DigestA, MediaTypes.OciManifest, ImageDetails, "v2"));
        var empty = new RepositoryRead { Repository = Repository, Found = true };

        var deletes = SyncPlanner.PlanDeletes(partition, empty, [], SyncVersion);

        Assert.Equal(["v1", "v2"], deletes.Select(delete => delete.Item));
    }

    [Fact]
    public void PlanDeletes_NameUnknown_DeletesNothing()
    {
        var partition = Store(new PushManifest(Repository, EventVersion, DigestA, MediaTypes.OciManifest, ImageDetails, "v1"));
        var notFound = new RepositoryRead { Repository = Repository, Found = false };

        Assert.Empty(SyncPlanner.PlanDeletes(partition, notFound, [DigestA], SyncVersion));
    }

    [Fact]
    public void PlanDeletes_TagWhoseDigestFailed_IsKept()
    {
        var partition = Store(new PushManifest(Repository, EventVersion, DigestA, MediaTypes.OciManifest, ImageDetails, "v1"));
        var read = new RepositoryRead { Repository = Repository, Found = true, UnresolvedTags = new HashSet<string> { "v1" } };

        Assert.Empty(SyncPlanner.PlanDeletes(partition, read, [], SyncVersion));
    }

    [Fact]
    public void UntaggedManifests_ExcludesTaggedAndIndexChildren()
    {
        var indexDetails = new ManifestDetails(null, null, [new ManifestChild(Child1, MediaTypes.OciManifest, "linux/amd64", 10)]);
        var partition = Store(
            new PushManifest(Repository, EventVersion, Child1, MediaTypes.OciManifest, ImageDetails, null),
            new PushManifest(Repository, EventVersion, DigestA, MediaTypes.OciIndex, indexDetails, "multi"),
            new PushManifest(Repository, EventVersion, DigestB, MediaTypes.OciManifest, ImageDetails, null),
            new PushManifest(Repository, EventVersion, Child2, MediaTypes.OciManifest, ImageDetails, "old"));

        var untagged = SyncPlanner.UntaggedManifests(partition, Read(("multi", DigestA)), Fetched());

        Assert.Equal([Child2, DigestB], untagged.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void PlanDeletes_AbsentManifest_DeletesDigest()
    {
        var partition = Store(new PushManifest(Repository, EventVersion, DigestB, MediaTypes.OciManifest, ImageDetails, null));

        var delete = Assert.Single(SyncPlanner.PlanDeletes(partition, Read(), [DigestB], SyncVersion));

        Assert.Equal(new DeleteDigest(Repository, SyncVersion, DigestB), delete.ToCommand());
    }

    private static ImagePartition Store(params ImageCommand[] commands)
    {
        var partition = new ImagePartition(new RepositorySummary { Name = Repository });
        partition.MarkComplete();
        foreach (var command in commands)
        {
            partition.Apply(command);
        }

        partition.MarkCommitted();
        return partition;
    }

    private static RepositoryRead Read(params (string Tag, string Digest)[] tags) => new()
    {
        Repository = Repository,
        Found = true,
        Tags = tags.ToDictionary(tag => tag.Tag, tag => new RegistryTag(tag.Digest, MediaTypes.OciManifest), StringComparer.Ordinal),
    };

    private static Dictionary<string, FetchedManifest> Fetched(params FetchedManifest[] manifests) =>
        manifests.ToDictionary(manifest => manifest.Digest, StringComparer.Ordinal);
}
