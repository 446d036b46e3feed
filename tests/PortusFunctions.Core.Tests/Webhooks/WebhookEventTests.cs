using PortusFunctions.Scanning;
using System.Text.Json;
using PortusFunctions.Images;
using PortusFunctions.Registry;
using PortusFunctions.Webhooks;
using PortusFunctions.Webhooks.Outbox;
using PortusFunctions.Webhooks.Subscriptions;

namespace PortusFunctions.Core.Tests.Webhooks;

public sealed class WebhookEventTests
{
    private const string OldDigest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string NewDigest = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    [Fact]
    public void FromChange_TagMoved_IsTagPushed()
    {
        var pushed = WebhookEvent.FromChange(new TagChanged("team/app", Version(1, "e1"), "v1", OldDigest, NewDigest, MediaTypes.OciManifest))!;

        Assert.Equal(WebhookEventTypes.TagPushed, pushed.Type);
        Assert.Equal("team/app:v1", pushed.Subject);
        Assert.Equal(NewDigest, (string?)pushed.Data["digest"]);
        Assert.Equal(OldDigest, (string?)pushed.Data["previousDigest"]);
    }

    [Fact]
    public void FromChange_TagGone_IsTagDeleted()
    {
        var deleted = WebhookEvent.FromChange(new TagChanged("team/app", Version(1, "e1"), "v1", OldDigest, null, MediaTypes.OciManifest))!;

        Assert.Equal(WebhookEventTypes.TagDeleted, deleted.Type);
        Assert.Equal(OldDigest, (string?)deleted.Data["digest"]);
    }

    [Fact]
    public void FromChange_Manifest_MakesNoEvent()
    {
        Assert.Null(WebhookEvent.FromChange(new ManifestChanged("team/app", Version(1, "e1"), NewDigest, null, ManifestDetails.Unknown, true)));
    }

    [Fact]
    public void Id_SameChangeReportedTwice_IsEqual()
    {
        var first = WebhookEvent.FromChange(new TagChanged("team/app", Version(1, "e1"), "v1", null, NewDigest, null))!;
        var again = WebhookEvent.FromChange(new TagChanged("team/app", Version(1, "e1"), "v1", null, NewDigest, null))!;
        var otherTag = WebhookEvent.FromChange(new TagChanged("team/app", Version(1, "e1"), "v2", null, NewDigest, null))!;

        Assert.Equal(first.Id, again.Id);
        Assert.Equal(OutboxStore.RowKeyFor(first), OutboxStore.RowKeyFor(again));
        Assert.NotEqual(first.Id, otherTag.Id);
    }

    [Fact]
    public void RowKey_Versions_SortInChangeOrder()
    {
        var changes = new[]
        {
            new TagChanged("r", Version(2, "a"), "t", null, NewDigest, null),
            new TagChanged("r", Version(1, "z"), "t", null, NewDigest, null),
            new TagChanged("r", Version(1, "b"), "t", null, NewDigest, null),
            new TagChanged("r", Version(10, "a"), "t", null, NewDigest, null),
        };

        var keys = changes.Select(change => OutboxStore.RowKeyFor(WebhookEvent.FromChange(change)!)).ToList();
        var sortedByKey = changes.Zip(keys).OrderBy(pair => pair.Second, StringComparer.Ordinal).Select(pair => pair.First.Version);

        Assert.Equal(changes.Select(change => change.Version).Order(), sortedByKey);
    }

    [Fact]
    public void RowKey_RepositoryDelete_SortsAfterTags()
    {
        var version = Version(5, "delete-repo");
        var tag = OutboxStore.RowKeyFor(WebhookEvent.FromChange(new TagChanged("team/app", version, "zzz", OldDigest, null, null))!);
        var repository = OutboxStore.RowKeyFor(WebhookEvent.FromChange(new RepositoryDeleted("team/app", version))!);

        Assert.True(string.CompareOrdinal(tag, repository) < 0);
    }

    [Fact]
    public void RowKey_ForbiddenCharacters_AreEncoded()
    {
        var key = OutboxStore.RowKeyFor(WebhookEvent.FromChange(new TagChanged("r", Version(1, "a/b#c?d\\e"), "t", null, NewDigest, null))!);

        Assert.DoesNotContain('/', key);
        Assert.DoesNotContain('#', key);
        Assert.DoesNotContain('?', key);
        Assert.DoesNotContain('\\', key);
    }

    [Fact]
    public void Write_JsonFormat_HasEnvelopeAndData()
    {
        var change = WebhookEvent.FromChange(new TagChanged("team/app", Version(1, "e1"), "v1", null, NewDigest, MediaTypes.OciManifest))!;

        var body = JsonDocument.Parse(PayloadWriter.Write(change, Subscribe(PayloadFormat.Json), "/src")).RootElement;

        Assert.Equal(change.Id, body.GetProperty("id").GetString());
        Assert.Equal("tag.pushed", body.GetProperty("type").GetString());
        Assert.Equal("2026-12-04T10:00:01.0000000Z", body.GetProperty("time").GetString());
        Assert.Equal("team/app:v1", body.GetProperty("subject").GetString());
        Assert.Equal(MediaTypes.OciManifest, body.GetProperty("data").GetProperty("mediaType").GetString());
        Assert.False(body.TryGetProperty("specversion", out _));
    }

    [Fact]
    public void Write_CloudEvents_HasRequiredAttributes()
    {
        var change = WebhookEvent.FromChange(new RepositoryDeleted("team/app", Version(1, "e1")))!;

        var text = PayloadWriter.Write(change, Subscribe(PayloadFormat.CloudEvents), "https://registry.example.com");
        var body = JsonDocument.Parse(text).RootElement;

        Assert.Equal("1.0", body.GetProperty("specversion").GetString());
        Assert.Equal(change.Id, body.GetProperty("id").GetString());
        Assert.Equal("https://registry.example.com", body.GetProperty("source").GetString());
        Assert.Equal("portus.repository.deleted", body.GetProperty("type").GetString());
        Assert.Equal("application/json", body.GetProperty("datacontenttype").GetString());
        Assert.Equal("team/app", body.GetProperty("subject").GetString());
        Assert.Equal("team/app", body.GetProperty("data").GetProperty("repository").GetString());
        Assert.Contains("\"type\":\"portus.repository.deleted\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Wants_VulnerabilitiesBelowMinimum_IsFalse()
    {
        var found = new WebhookEvent
        {
            Type = WebhookEventTypes.VulnerabilitiesFound,
            Repository = "team/app",
            Version = Version(1, "scan:1"),
            Subject = "team/app@" + NewDigest,
            Identity = "x",
            Data = [],
            Vulnerabilities = new SeverityCounts(0, 1, 4, 0, 0, 0),
        };

        Assert.True(Subscribe(PayloadFormat.Json, VulnerabilitySeverity.High).Wants(found));
        Assert.False(Subscribe(PayloadFormat.Json, VulnerabilitySeverity.Critical).Wants(found));
    }

    private static Subscription Subscribe(PayloadFormat format, VulnerabilitySeverity? minimum = null) => new()
    {
        Id = new string('a', 32),
        Url = new Uri("https://hooks.example.com/x"),
        Filter = RepositoryFilter.Everything,
        Events = [.. WebhookEventTypes.All],
        MinimumSeverity = minimum,
        Format = format,
    };

    private static ChangeVersion Version(int second, string source) =>
        ChangeVersion.At(new DateTimeOffset(2026, 12, 4, 10, 0, second, TimeSpan.Zero), source);
}
