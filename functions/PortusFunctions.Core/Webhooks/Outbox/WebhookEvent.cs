using PortusFunctions.Scanning;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using PortusFunctions.Images;

namespace PortusFunctions.Webhooks.Outbox;

/// <summary>
/// One event that subscriptions may receive: a visible change to the image store, or the outcome of a scan.
/// </summary>
/// <remarks>
/// <see cref="Identity"/> names the change (its type, repository, tag or digest, and version), so the same change
/// reported twice, for instance when a registry event is applied again, gives the same <see cref="Id"/> and the same
/// outbox row.
/// </remarks>
public sealed record WebhookEvent
{
    /// <summary>One of <see cref="WebhookEventTypes.All"/>.</summary>
    public required string Type { get; init; }

    /// <summary>Full repository name.</summary>
    public required string Repository { get; init; }

    /// <summary>Version of the change: the registry event, the sync read, or the scan result that caused it.</summary>
    public required ChangeVersion Version { get; init; }

    /// <summary>What the event is about, such as <c>team/app:v1</c> or <c>team/app@sha256:...</c>.</summary>
    public required string Subject { get; init; }

    /// <summary>Order among events of the same version: tag events before the repository delete that caused them.</summary>
    public int Rank { get; init; }

    /// <summary>Text that identifies the change; equal for the same change reported again.</summary>
    public required string Identity { get; init; }

    /// <summary>The event's <c>data</c> object, common to every subscription.</summary>
    public required JsonObject Data { get; init; }

    /// <summary>Counts of the scan report, for <c>scan.completed</c> and <c>vulnerabilities.found</c>.</summary>
    public SeverityCounts? Vulnerabilities { get; init; }

    /// <summary>Event id: the first 32 hexadecimal digits of the SHA-256 of <see cref="Identity"/>.</summary>
    public string Id => HashId(Identity);

    /// <summary>Returns the first 32 lowercase hexadecimal digits of the SHA-256 of <paramref name="text"/>.</summary>
    public static string HashId(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
    }

    /// <summary>
    /// Returns the event a visible change makes, or null for a change that no event type covers (a manifest that
    /// appeared or disappeared).
    /// </summary>
    public static WebhookEvent? FromChange(ImageChange change)
    {
        ArgumentNullException.ThrowIfNull(change);

        return change switch
        {
            TagChanged { NewDigest: not null } tag => ForTag(WebhookEventTypes.TagPushed, tag, new JsonObject
            {
                ["repository"] = tag.Repository,
                ["tag"] = tag.Tag,
                ["digest"] = tag.NewDigest,
                ["previousDigest"] = tag.OldDigest,
                ["mediaType"] = tag.MediaType,
            }),
            TagChanged tag => ForTag(WebhookEventTypes.TagDeleted, tag, new JsonObject
            {
                ["repository"] = tag.Repository,
                ["tag"] = tag.Tag,
                ["digest"] = tag.OldDigest,
                ["mediaType"] = tag.MediaType,
            }),
            RepositoryDeleted deleted => new WebhookEvent
            {
                Type = WebhookEventTypes.RepositoryDeleted,
                Repository = deleted.Repository,
                Version = deleted.Version,
                Subject = deleted.Repository,
                Rank = 1,
                Identity = Join(WebhookEventTypes.RepositoryDeleted, deleted.Repository, deleted.Version),
                Data = new JsonObject { ["repository"] = deleted.Repository },
            },
            _ => null,
        };
    }

    /// <summary>Joins the parts of an identity with a separator that no repository, tag or digest contains.</summary>
    internal static string Join(string type, string repository, ChangeVersion version, string? item = null) =>
        $"{type}\n{repository}\n{item}\n{version.Ticks}\n{version.Source}";

    private static WebhookEvent ForTag(string type, TagChanged tag, JsonObject data) => new()
    {
        Type = type,
        Repository = tag.Repository,
        Version = tag.Version,
        Subject = $"{tag.Repository}:{tag.Tag}",
        Identity = Join(type, tag.Repository, tag.Version, tag.Tag),
        Data = data,
    };
}
