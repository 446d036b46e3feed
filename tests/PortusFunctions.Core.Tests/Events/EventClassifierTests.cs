using System.Text;
using PortusFunctions.Events;
using PortusFunctions.Images;

namespace PortusFunctions.Tests.Events;

public sealed class EventClassifierTests
{
    [Theory]
    [InlineData("push-manifest-oci-tag.json", EventDisposition.Accepted)]
    [InlineData("push-manifest-docker-v2-tag.json", EventDisposition.Accepted)]
    [InlineData("delete-manifest-by-digest.json", EventDisposition.Accepted)]
    [InlineData("delete-tag-after-manifest-delete.json", EventDisposition.Accepted)]
    [InlineData("delete-blob.json", EventDisposition.Accepted)]
    [InlineData("push-blob-layer.json", EventDisposition.Ignored)]
    [InlineData("pull-blob.json", EventDisposition.Ignored)]
    [InlineData("pull-manifest-get.json", EventDisposition.Ignored)]
    [InlineData("pull-manifest-head.json", EventDisposition.Ignored)]
    [InlineData("mount-blob.json", EventDisposition.Ignored)]
    public void Classify_CapturedEvents_GivesDisposition(string fixture, EventDisposition expected)
    {
        var decision = EventClassifier.Classify(ReadFixture(fixture));

        Assert.Equal(expected, decision.Disposition);
    }

    [Fact]
    public void Classify_OciPushWithReferences_GivesSizeAndConfigMediaType()
    {
        var decision = EventClassifier.Classify(ReadFixture("push-manifest-oci-tag.json"));

        var push = Assert.IsType<PushManifest>(decision.Command);
        Assert.Equal("library/test", push.Repository);
        Assert.Equal("1", push.Tag);
        Assert.Equal(404 + 144, push.Details.Size);
        Assert.Equal("application/vnd.oci.image.config.v1+json", push.Details.ConfigMediaType);
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 15, 30, 18, TimeSpan.Zero).UtcTicks, push.Version.Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond);
    }

    [Fact]
    public void Classify_DeleteShapes_GiveTagDigestAndRepositoryDeletes()
    {
        var byDigest = EventClassifier.Classify(ReadFixture("delete-manifest-by-digest.json"));
        var byTag = EventClassifier.Classify(ReadFixture("delete-tag-after-manifest-delete.json"));
        var repository = EventClassifier.Classify(Incoming("""{"id":"r1","timestamp":"2026-12-04T10:00:00Z","action":"delete","target":{"repository":"team/app"}}"""));

        Assert.IsType<DeleteDigest>(byDigest.Command);
        Assert.Equal("v1", Assert.IsType<DeleteTag>(byTag.Command).Tag);
        Assert.Equal("team/app", Assert.IsType<DeleteRepository>(repository.Command).Repository);
    }

    [Theory]
    [InlineData("""{"timestamp":"2026-12-04T10:00:00Z","action":"push","target":{}}""", "no id")]
    [InlineData("""{"id":"x","timestamp":"2026-12-04T10:00:00Z","action":"teleport","target":{}}""", "Unknown action 'teleport'")]
    [InlineData("""{"id":"x","timestamp":"2026-12-04T10:00:00Z","action":"delete"}""", "no target")]
    [InlineData("""{"id":"x","timestamp":"2026-12-04T10:00:00Z","action":"delete","target":{"repository":"Bad Name","tag":"v1"}}""", "Invalid repository name 'Bad Name'")]
    [InlineData("""{"id":"x","timestamp":"2026-12-04T10:00:00Z","action":"delete","target":{"repository":"ok","tag":"-bad"}}""", "Invalid tag '-bad'")]
    [InlineData("""{"id":"x","timestamp":"2026-12-04T10:00:00Z","action":"delete","target":{"repository":"ok","digest":"md5:zz!"}}""", "Invalid digest 'md5:zz!'")]
    [InlineData("""{"id":"x","timestamp":"soon","action":"delete","target":{"repository":"ok","tag":"v1"}}""", "Invalid timestamp 'soon'")]
    [InlineData("""{"id":"x","timestamp":"2026-12-04T10:00:00Z","action":"push","target":{"repository":"ok","mediaType":"application/vnd.oci.image.manifest.v1+json"}}""", "no digest")]
    public void Classify_UnusableEvent_QuarantinesWithReason(string json, string reason)
    {
        var decision = EventClassifier.Classify(Incoming(json));

        Assert.Equal(EventDisposition.Quarantined, decision.Disposition);
        Assert.Contains(reason, decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_RepositoryNameAtLimit_IsAcceptedAndPastLimitQuarantined()
    {
        var atLimit = string.Join("/", Enumerable.Repeat("a", 128))[..255];
        var pastLimit = atLimit + "b";

        var accepted = EventClassifier.Classify(Incoming(TagDelete(atLimit.TrimEnd('/'))));
        var rejected = EventClassifier.Classify(Incoming(TagDelete(pastLimit)));

        Assert.Equal(EventDisposition.Accepted, accepted.Disposition);
        Assert.Equal(EventDisposition.Quarantined, rejected.Disposition);
    }

    [Fact]
    public void Classify_BlobDeleteWithLayerMediaType_IsIgnored()
    {
        var decision = EventClassifier.Classify(Incoming("""{"id":"x","timestamp":"2026-12-04T10:00:00Z","action":"delete","target":{"repository":"ok","digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","mediaType":"application/octet-stream"}}"""));

        Assert.Equal(EventDisposition.Ignored, decision.Disposition);
    }

    [Theory]
    [InlineData("2026-12-04T15:31:10.781412897Z", 637)]
    [InlineData("2026-12-04T15:31:10.7814128Z", 637)]
    [InlineData("2026-12-04T15:31:10Z", 0)]
    [InlineData("2026-12-04T16:31:10.781412897+01:00", 637)]
    public void TryParseTimestamp_NanosecondPrecision_TruncatesTo100Nanoseconds(string text, int expectedTenthMicrosModulo)
    {
        Assert.True(EventClassifier.TryParseTimestamp(text, out var time));

        Assert.Equal(15, time.UtcDateTime.Hour);
        Assert.Equal(expectedTenthMicrosModulo == 0 ? 0 : 7814128, time.UtcTicks % TimeSpan.TicksPerSecond);
    }

    private static IncomingEvent ReadFixture(string name)
    {
        var body = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "registry-events", name));
        return Assert.Single(EnvelopeParser.Parse(body, 100).Events);
    }

    private static string TagDelete(string repository) =>
        "{\"id\":\"x\",\"timestamp\":\"2026-12-04T10:00:00Z\",\"action\":\"delete\",\"target\":{\"repository\":\"" + repository + "\",\"tag\":\"v1\"}}";

    private static IncomingEvent Incoming(string json) => Assert.Single(EnvelopeParser.Parse(Encoding.UTF8.GetBytes(json), 100).Events);
}
