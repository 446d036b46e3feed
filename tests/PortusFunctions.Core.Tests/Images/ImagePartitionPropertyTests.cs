using CsCheck;
using PortusFunctions.Images;

namespace PortusFunctions.Tests.Images;

/// <summary>
/// Any permutation of a set of changes, with duplicates, must leave the store as the registry is after the
/// changes applied one by one in version order.
/// </summary>
public sealed class ImagePartitionPropertyTests
{
    private static readonly string[] Repositories = ["alpha", "team/app/api"];
    private static readonly string[] Tags = ["latest", "v1", "v2"];
    private static readonly string[] Digests = ["sha256:" + new string('a', 64), "sha256:" + new string('b', 64), "sha256:" + new string('c', 64)];

    // Few distinct times, so that equal timestamps and the tie-break on the source id are exercised.
    private static readonly Gen<ChangeVersion> VersionGen =
        Gen.Select(Gen.Int[1, 12], Gen.Int[0, 999_999], (second, id) => new ChangeVersion(second * TimeSpan.TicksPerSecond, $"event-{id:D6}"));

    private static readonly Gen<ImageCommand> CommandGen = Gen.Frequency(
        (40, Gen.Select(Gen.OneOfConst(Repositories), VersionGen, Gen.OneOfConst(Digests), Gen.OneOfConst(Tags),
            (repository, version, digest, tag) => (ImageCommand)Push(repository, version, digest, tag))),
        (10, Gen.Select(Gen.OneOfConst(Repositories), VersionGen, Gen.OneOfConst(Digests),
            (repository, version, digest) => (ImageCommand)Push(repository, version, digest, null))),
        (20, Gen.Select(Gen.OneOfConst(Repositories), VersionGen, Gen.OneOfConst(Tags),
            (repository, version, tag) => (ImageCommand)new DeleteTag(repository, version, tag))),
        (20, Gen.Select(Gen.OneOfConst(Repositories), VersionGen, Gen.OneOfConst(Digests),
            (repository, version, digest) => (ImageCommand)new DeleteDigest(repository, version, digest))),
        (6, Gen.Select(Gen.OneOfConst(Repositories), VersionGen,
            (repository, version) => (ImageCommand)new DeleteRepository(repository, version))));

    [Fact]
    public void Apply_AnyPermutationWithDuplicates_EndsAsOrderedApplication()
    {
        var scenario = Gen.Select(CommandGen.Array[1, 40], Gen.Int, Gen.Int[0, 10]);

        scenario.Sample(
            (commands, seed, duplicates) =>
            {
                var expected = new RegistryModel();
                foreach (var command in commands.OrderBy(command => command.Version))
                {
                    expected.Apply(command);
                }

                var random = new Random(seed);
                var delivered = commands.Concat(Enumerable.Range(0, duplicates).Select(_ => commands[random.Next(commands.Length)]))
                    .OrderBy(_ => random.Next())
                    .ToList();
                var actual = ApplyAll(delivered);

                Assert.Equal(expected.Snapshot(), actual);
            },
            iter: 3000);
    }

    [Fact]
    public void Apply_AnySequence_KeepsCountsEqualToRecount()
    {
        CommandGen.Array[1, 40].Sample(
            commands =>
            {
                var partitions = new Dictionary<string, ImagePartition>(StringComparer.Ordinal);
                foreach (var command in commands)
                {
                    var partition = PartitionOf(partitions, command.Repository);
                    partition.Apply(command);
                    partition.MarkCommitted();

                    var (tags, manifests) = partition.Recount();
                    Assert.Equal(tags, partition.Summary.TagCount);
                    Assert.Equal(manifests, partition.Summary.ManifestCount);
                }
            },
            iter: 3000);
    }

    [Fact]
    public void Apply_SameCommandTwice_ChangesNothingTheSecondTime()
    {
        CommandGen.Array[1, 20].Sample(
            commands =>
            {
                var partitions = new Dictionary<string, ImagePartition>(StringComparer.Ordinal);
                foreach (var command in commands)
                {
                    var partition = PartitionOf(partitions, command.Repository);
                    partition.Apply(command);
                    partition.MarkCommitted();

                    var again = partition.Apply(command);

                    Assert.Equal(0, partition.DirtyRowCount - (partition.IsSummaryDirty ? 1 : 0));
                    Assert.False(again.Changed && !again.IsIgnored);
                    partition.MarkCommitted();
                }
            },
            iter: 2000);
    }

    [Fact]
    public void Apply_AnySequenceWithRepeats_ChangesFoldToVisibleState()
    {
        Gen.Select(CommandGen.Array[1, 40], Gen.Int).Sample(
            (commands, seed) =>
            {
                var random = new Random(seed);
                var delivered = commands.Concat(commands.Where(_ => random.Next(3) == 0)).OrderBy(_ => random.Next()).ToList();
                var partitions = new Dictionary<string, ImagePartition>(StringComparer.Ordinal);
                var tags = new Dictionary<(string, string), string>();
                var manifests = new HashSet<(string, string)>();
                foreach (var command in delivered)
                {
                    var partition = PartitionOf(partitions, command.Repository);
                    partition.Apply(command);
                    foreach (var change in partition.Changes)
                    {
                        switch (change)
                        {
                            case TagChanged { NewDigest: { } digest } added:
                                tags[(added.Repository, added.Tag)] = digest;
                                break;
                            case TagChanged removed:
                                tags.Remove((removed.Repository, removed.Tag));
                                break;
                            case ManifestChanged { Visible: true } appeared:
                                manifests.Add((appeared.Repository, appeared.Digest));
                                break;
                            case ManifestChanged gone:
                                manifests.Remove((gone.Repository, gone.Digest));
                                break;
                        }
                    }

                    partition.MarkCommitted();
                }

                var visibleTags = partitions.Values.SelectMany(partition =>
                    partition.VisibleTags().Select(tag => ((partition.Summary.Name, tag.Tag), tag.Digest!)));
                var visibleManifests = partitions.Values.SelectMany(partition =>
                    partition.VisibleManifests().Select(manifest => (partition.Summary.Name, manifest.Digest)));
                Assert.Equal(visibleTags.OrderBy(entry => entry.Item1).ToList(), tags.Select(entry => (entry.Key, entry.Value)).OrderBy(entry => entry.Key).ToList());
                Assert.Equal(visibleManifests.Order().ToList(), manifests.Order().ToList());
            },
            iter: 3000);
    }

    private static SortedDictionary<string, string> ApplyAll(IEnumerable<ImageCommand> commands)
    {
        var partitions = new Dictionary<string, ImagePartition>(StringComparer.Ordinal);
        foreach (var command in commands)
        {
            var partition = PartitionOf(partitions, command.Repository);
            partition.Apply(command);
            partition.MarkCommitted();
        }

        var snapshot = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, partition) in partitions)
        {
            var tags = partition.VisibleTags();
            var manifests = partition.VisibleManifests();
            if (tags.Count > 0 || manifests.Count > 0)
            {
                snapshot[name] = RegistryModel.Render(tags.Select(tag => (tag.Tag, tag.Digest!)), manifests.Select(manifest => manifest.Digest));
            }
        }

        return snapshot;
    }

    private static ImagePartition PartitionOf(Dictionary<string, ImagePartition> partitions, string repository)
    {
        if (!partitions.TryGetValue(repository, out var partition))
        {
            partition = new ImagePartition(new RepositorySummary { Name = repository });
            partition.MarkComplete();
            partitions[repository] = partition;
        }

        return partition;
    }

    private static PushManifest Push(string repository, ChangeVersion version, string digest, string? tag) =>
        new(repository, version, digest, "application/vnd.oci.image.manifest.v1+json", ManifestDetails.Unknown, tag);
}
