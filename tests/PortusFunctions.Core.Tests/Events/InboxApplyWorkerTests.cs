using PortusFunctions.Events;
using PortusFunctions.Images;
using PortusFunctions.Registry;

namespace PortusFunctions.Tests.Events;

public sealed class InboxApplyWorkerTests
{
    [Fact]
    public void Batches_OneRepositoryEach_InStoredOrder()
    {
        InboxItem[] items = [Push("a", 1), Push("b", 2), Push("a", 3), DeleteTag("b", 4), Push("a", 5)];

        var batches = InboxApplyWorker.Batches(items).ToList();

        Assert.Equal(["1 3 5", "2 4"], batches.Select(Ids));
    }

    [Fact]
    public void Batches_DigestAndRepositoryDeletes_AppliedAlone()
    {
        InboxItem[] items =
        [
            Push("a", 1), Push("a", 2),
            Item("a", 3, new DeleteDigest("a", Version(3), "sha256:" + new string('3', 64))),
            Push("a", 4),
            Item("a", 5, new DeleteRepository("a", Version(5))),
            Item("a", 6, new DeleteRepository("a", Version(6))),
            Push("a", 7),
        ];

        var batches = InboxApplyWorker.Batches(items).ToList();

        Assert.Equal(["1 2", "3", "4", "5", "6", "7"], batches.Select(Ids));
    }

    [Fact]
    public void Batches_LongRun_SplitAtMaxBatch()
    {
        var items = Enumerable.Range(1, ImageStore.MaxBatch * 2 + 1).Select(second => Push("a", second)).ToList();

        var batches = InboxApplyWorker.Batches(items).ToList();

        Assert.Equal([ImageStore.MaxBatch, ImageStore.MaxBatch, 1], batches.Select(batch => batch.Count));
        Assert.Equal(items.Select(item => item.EventId), batches.SelectMany(batch => batch).Select(item => item.EventId));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(256)]
    public void ConsumerOf_StableInRangeAndSpread(int consumers)
    {
        var names = Enumerable.Range(0, 500).Select(i => $"team{i % 7}/app{i}").ToList();

        var first = names.Select(name => InboxApplyWorker.ConsumerOf(name, consumers)).ToList();
        var again = names.Select(name => InboxApplyWorker.ConsumerOf(name, consumers)).ToList();

        Assert.Equal(first, again);
        Assert.All(first, consumer => Assert.InRange(consumer, 0, consumers - 1));
        if (consumers <= 8)
        {
            Assert.Equal(consumers, first.Distinct().Count());
        }
    }

    private static string Ids(IReadOnlyList<InboxItem> batch) => string.Join(' ', batch.Select(item => item.EventId));

    private static InboxItem Push(string repository, int second) => Item(
        repository,
        second,
        new PushManifest(repository, Version(second), "sha256:" + new string((char)('a' + (second % 6)), 64), MediaTypes.OciManifest, ManifestDetails.Unknown, "v" + second));

    private static InboxItem DeleteTag(string repository, int second) =>
        Item(repository, second, new DeleteTag(repository, Version(second), "v" + second));

    private static InboxItem Item(string repository, int second, ImageCommand command) =>
        new("202612041000", second.ToString(System.Globalization.CultureInfo.InvariantCulture), command, DateTimeOffset.UnixEpoch, 0, "{}");

    private static ChangeVersion Version(int second) =>
        ChangeVersion.At(new DateTimeOffset(2026, 12, 4, 10, 0, second, TimeSpan.Zero), $"event-{second}");
}
