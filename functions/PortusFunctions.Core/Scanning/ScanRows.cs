using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using PortusFunctions.Storage;

namespace PortusFunctions.Scanning;

/// <summary>
/// Mapping between scan records and rows of the <see cref="TableNames.ScanStatus"/> and
/// <see cref="TableNames.ScanFindings"/> tables.
/// </summary>
/// <remarks>
/// <para><c>ScanStatus</c>: partition key the encoded digest, row key <c>status</c>; one row per digest, whatever
/// the repositories and tags that share it.</para>
/// <para><c>ScanFindings</c>: partition key the encoded digest, <c>|</c> and the generation; row key the finding's
/// position in the report, as six digits. A generation is written completely before the status row points at it,
/// and the previous one is deleted afterwards, so a report is replaced without mixing rows of two reports.</para>
/// </remarks>
internal static class ScanRows
{
    public const string StatusRowKey = "status";

    // Table Storage allows 64 KiB per string property, which is 32,768 UTF-16 characters.
    private const int MaxLinksJsonLength = 16_000;
    private const int MaxTextLength = 4_000;

    public static string StatusPartitionKey(string digest) => KeyCodec.Encode(digest);

    public static string FindingsPartitionKey(string digest, string generation) => KeyCodec.Encode(digest) + "|" + generation;

    public static string FindingRowKey(int position) => position.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>Creates a generation key that sorts by creation time and is unique across instances.</summary>
    public static string NewGeneration(DateTimeOffset now) =>
        now.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];

    public static TableEntity ToEntity(ScanStatusRecord record)
    {
        var entity = new TableEntity(StatusPartitionKey(record.Digest), StatusRowKey)
        {
            ["Digest"] = record.Digest,
            ["Repository"] = record.Repository,
            ["MediaType"] = record.MediaType,
            ["ConfigMediaType"] = record.ConfigMediaType,
            ["Status"] = record.Status,
            ["Attempts"] = record.Attempts,
            ["Error"] = Truncate(record.Error, MaxTextLength),
            ["LastAttemptAt"] = record.LastAttemptAt,
            ["LastAttemptScanner"] = record.LastAttemptScanner,
            ["NextAttemptAt"] = record.NextAttemptAt,
            ["ClaimedBy"] = record.ClaimedBy,
            ["ClaimedAt"] = record.ClaimedAt,
            ["Generation"] = record.Generation,
            ["PendingGeneration"] = record.PendingGeneration,
            ["OldGeneration"] = record.OldGeneration,
            ["ScannerName"] = record.ScannerName,
            ["ScannerVendor"] = record.ScannerVendor,
            ["ScannerVersion"] = record.ScannerVersion,
            ["DatabaseVersion"] = record.DatabaseVersion,
            ["DatabaseUpdatedAt"] = record.DatabaseUpdatedAt,
            ["GeneratedAt"] = record.GeneratedAt,
            ["CompletedAt"] = record.CompletedAt,
            ["ChildrenKey"] = Truncate(record.ChildrenKey, 30_000),
            ["CreatedAt"] = record.CreatedAt,
            ["NotificationPending"] = record.NotificationPending,
        };

        if (record.Counts is { } counts)
        {
            entity["Critical"] = counts.Critical;
            entity["High"] = counts.High;
            entity["Medium"] = counts.Medium;
            entity["Low"] = counts.Low;
            entity["Negligible"] = counts.Negligible;
            entity["Unknown"] = counts.Unknown;
        }

        return entity;
    }

    public static ScanStatusRecord ToRecord(TableEntity entity) => new()
    {
        Digest = entity.GetString("Digest") ?? KeyCodec.Decode(entity.PartitionKey),
        Repository = entity.GetString("Repository"),
        MediaType = entity.GetString("MediaType"),
        ConfigMediaType = entity.GetString("ConfigMediaType"),
        Status = entity.GetString("Status") ?? ScanStatuses.Pending,
        Attempts = entity.GetInt32("Attempts") ?? 0,
        Error = entity.GetString("Error"),
        LastAttemptAt = entity.GetDateTimeOffset("LastAttemptAt"),
        LastAttemptScanner = entity.GetString("LastAttemptScanner"),
        NextAttemptAt = entity.GetDateTimeOffset("NextAttemptAt"),
        ClaimedBy = entity.GetString("ClaimedBy"),
        ClaimedAt = entity.GetDateTimeOffset("ClaimedAt"),
        Generation = entity.GetString("Generation"),
        PendingGeneration = entity.GetString("PendingGeneration"),
        OldGeneration = entity.GetString("OldGeneration"),
        ScannerName = entity.GetString("ScannerName"),
        ScannerVendor = entity.GetString("ScannerVendor"),
        ScannerVersion = entity.GetString("ScannerVersion"),
        DatabaseVersion = entity.GetString("DatabaseVersion"),
        DatabaseUpdatedAt = entity.GetDateTimeOffset("DatabaseUpdatedAt"),
        GeneratedAt = entity.GetDateTimeOffset("GeneratedAt"),
        CompletedAt = entity.GetDateTimeOffset("CompletedAt"),
        Counts = entity.GetInt32("Critical") is { } critical
            ? new SeverityCounts(
                critical,
                entity.GetInt32("High") ?? 0,
                entity.GetInt32("Medium") ?? 0,
                entity.GetInt32("Low") ?? 0,
                entity.GetInt32("Negligible") ?? 0,
                entity.GetInt32("Unknown") ?? 0)
            : null,
        ChildrenKey = entity.GetString("ChildrenKey"),
        CreatedAt = entity.GetDateTimeOffset("CreatedAt"),
        NotificationPending = entity.GetBoolean("NotificationPending") ?? false,
        ETag = entity.ETag,
    };

    public static TableEntity ToEntity(string digest, string generation, int position, Finding finding) =>
        new(FindingsPartitionKey(digest, generation), FindingRowKey(position))
        {
            ["VulnerabilityId"] = Truncate(finding.Id, 512),
            ["Package"] = Truncate(finding.Package, MaxTextLength),
            ["Version"] = Truncate(finding.Version, MaxTextLength),
            ["FixedVersion"] = Truncate(finding.FixedVersion, MaxTextLength),
            ["Severity"] = finding.Severity,
            ["CvssScore"] = finding.CvssScore,
            ["Links"] = SerializeLinks(finding.Links),
            ["Platform"] = Truncate(finding.Platform, 256),
        };

    public static Finding ToFinding(TableEntity entity) => new(
        entity.GetString("VulnerabilityId") ?? "",
        entity.GetString("Package") ?? "",
        entity.GetString("Version") ?? "",
        entity.GetString("FixedVersion"),
        Severities.Normalize(entity.GetString("Severity")),
        entity.GetDouble("CvssScore"),
        DeserializeLinks(entity.GetString("Links")),
        entity.GetString("Platform"));

    /// <summary>Keeps the links that fit in one property; a finding with very many links keeps the first ones.</summary>
    private static string SerializeLinks(IReadOnlyList<string> links)
    {
        var kept = new List<string>(links.Count);
        var length = 2;
        foreach (var link in links)
        {
            if (link.Length > 2_000)
            {
                continue;
            }

            // Quotes, a comma, and escapes of at most 6 characters per character in the worst case.
            var encoded = JsonSerializer.Serialize(link, ScanJson.Default.String);
            if (length + encoded.Length + 1 > MaxLinksJsonLength)
            {
                break;
            }

            kept.Add(link);
            length += encoded.Length + 1;
        }

        return JsonSerializer.Serialize(kept, ScanJson.Default.ListString);
    }

    private static List<string> DeserializeLinks(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize(json, ScanJson.Default.ListString) ?? [];

    private static string? Truncate(string? value, int length) =>
        value is null || value.Length <= length ? value : value[..length];
}
