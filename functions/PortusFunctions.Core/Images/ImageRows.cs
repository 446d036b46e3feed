using System.Text.Json;
using Azure.Data.Tables;
using PortusFunctions.Registry;
using PortusFunctions.Storage;

namespace PortusFunctions.Images;

/// <summary>
/// Mapping between image records and rows of the <see cref="TableNames.Images"/> and
/// <see cref="TableNames.Repositories"/> tables.
/// </summary>
/// <remarks>
/// In <c>Images</c>, the partition key is the encoded repository name. Its rows are the summary
/// (<c>repository</c>), one row per tag (<c>tag|NAME</c>) and one per manifest (<c>manifest|DIGEST</c>), so a
/// change to a tag, its manifest and the counts is one transaction. In <c>Repositories</c>, the partition key is
/// the encoded namespace (empty for the global namespace) and the row key the encoded repository name.
/// </remarks>
internal static class ImageRows
{
    public const string SummaryKey = "repository";
    public const string TagPrefix = "tag|";
    public const string ManifestPrefix = "manifest|";

    // The first character after '|' in ordinal order, to bound a range query over one prefix.
    public const string TagRangeEnd = "tag}";

    private const int MaxChildrenJsonLength = 30_000;

    public static string PartitionKey(string repository) => KeyCodec.Encode(repository);

    public static string TagKey(string tag) => TagPrefix + tag;

    public static string ManifestKey(string digest) => ManifestPrefix + digest;

    public static string IndexPartitionKey(string repository) => KeyCodec.Encode(ReferenceRules.NamespaceOf(repository) ?? "");

    public static TableEntity ToEntity(RepositorySummary summary, DateTimeOffset now)
    {
        var entity = new TableEntity(PartitionKey(summary.Name), SummaryKey)
        {
            ["Name"] = summary.Name,
            ["Namespace"] = ReferenceRules.NamespaceOf(summary.Name),
            ["TagCount"] = summary.TagCount,
            ["ManifestCount"] = summary.ManifestCount,
            ["Sequence"] = summary.Sequence,
            ["UpdatedAt"] = now,
        };
        WriteVersion(entity, "Deleted", summary.DeletedAt);
        return entity;
    }

    public static TableEntity ToEntity(string repository, TagRecord tag)
    {
        var entity = new TableEntity(PartitionKey(repository), TagKey(tag.Tag))
        {
            ["Tag"] = tag.Tag,
            ["Digest"] = tag.Digest,
            ["MediaType"] = tag.MediaType,
            ["PreviousDigest"] = tag.PreviousDigest,
            ["Deleted"] = tag.Deleted,
        };
        WriteVersion(entity, "Version", tag.Version);
        return entity;
    }

    public static TableEntity ToEntity(string repository, ManifestRecord manifest)
    {
        var entity = new TableEntity(PartitionKey(repository), ManifestKey(manifest.Digest))
        {
            ["Digest"] = manifest.Digest,
            ["MediaType"] = manifest.MediaType,
            ["Size"] = manifest.Details.Size,
            ["ConfigMediaType"] = manifest.Details.ConfigMediaType,
            ["Children"] = manifest.Details.Children.Count == 0 ? null : SerializeChildren(manifest.Details.Children),
        };
        WriteVersion(entity, "Pushed", manifest.PushedAt);
        WriteVersion(entity, "Deleted", manifest.DeletedAt);
        return entity;
    }

    public static TableEntity ToIndexEntity(RepositorySummary summary) => new(IndexPartitionKey(summary.Name), KeyCodec.Encode(summary.Name))
    {
        ["Name"] = summary.Name,
        ["Namespace"] = ReferenceRules.NamespaceOf(summary.Name),
        ["TagCount"] = summary.TagCount,
        ["ManifestCount"] = summary.ManifestCount,
        ["Sequence"] = summary.Sequence,
    };

    public static RepositorySummary ToSummary(TableEntity entity) => new()
    {
        Name = entity.GetString("Name") ?? KeyCodec.Decode(entity.PartitionKey),
        DeletedAt = ReadVersion(entity, "Deleted"),
        TagCount = entity.GetInt32("TagCount") ?? 0,
        ManifestCount = entity.GetInt32("ManifestCount") ?? 0,
        Sequence = entity.GetInt64("Sequence") ?? 0,
        ETag = entity.ETag,
    };

    public static TagRecord ToTag(TableEntity entity) => new()
    {
        Tag = entity.GetString("Tag") ?? entity.RowKey[TagPrefix.Length..],
        Digest = entity.GetString("Digest"),
        MediaType = entity.GetString("MediaType"),
        PreviousDigest = entity.GetString("PreviousDigest"),
        Deleted = entity.GetBoolean("Deleted") ?? false,
        Version = ReadVersion(entity, "Version"),
        ETag = entity.ETag,
    };

    public static ManifestRecord ToManifest(TableEntity entity) => new()
    {
        Digest = entity.GetString("Digest") ?? entity.RowKey[ManifestPrefix.Length..],
        MediaType = entity.GetString("MediaType"),
        Details = new ManifestDetails(
            entity.GetInt64("Size"),
            entity.GetString("ConfigMediaType"),
            DeserializeChildren(entity.GetString("Children"))),
        PushedAt = ReadVersion(entity, "Pushed"),
        DeletedAt = ReadVersion(entity, "Deleted"),
        ETag = entity.ETag,
    };

    /// <summary>Loads one row into <paramref name="partition"/> by its row key prefix.</summary>
    public static void LoadInto(ImagePartition partition, TableEntity entity)
    {
        if (entity.RowKey.StartsWith(TagPrefix, StringComparison.Ordinal))
        {
            var tag = ToTag(entity);
            partition.LoadTag(tag.Tag, tag);
        }
        else if (entity.RowKey.StartsWith(ManifestPrefix, StringComparison.Ordinal))
        {
            var manifest = ToManifest(entity);
            partition.LoadManifest(manifest.Digest, manifest);
        }
    }

    private static void WriteVersion(TableEntity entity, string name, ChangeVersion version)
    {
        entity[name + "Ticks"] = version.Ticks;
        entity[name + "Source"] = version.Source;
    }

    private static ChangeVersion ReadVersion(TableEntity entity, string name) =>
        new(entity.GetInt64(name + "Ticks") ?? 0, entity.GetString(name + "Source") ?? "");

    private static string SerializeChildren(IReadOnlyList<ManifestChild> children)
    {
        // A string property is limited to 64 KiB, so an index with more children than fit keeps the first ones.
        var kept = children.ToList();
        var json = JsonSerializer.Serialize(kept, ImageJson.Default.ListManifestChild);
        while (json.Length > MaxChildrenJsonLength && kept.Count > 1)
        {
            kept.RemoveRange(kept.Count / 2, kept.Count - kept.Count / 2);
            json = JsonSerializer.Serialize(kept, ImageJson.Default.ListManifestChild);
        }

        return json;
    }

    private static List<ManifestChild> DeserializeChildren(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize(json, ImageJson.Default.ListManifestChild) ?? [];
}
