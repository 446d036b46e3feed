namespace PortusFunctions.Webhooks;

/// <summary>The event types a subscription can ask for, as they appear in the API and in payloads.</summary>
public static class WebhookEventTypes
{
    /// <summary>A tag appeared or moved to another digest.</summary>
    public const string TagPushed = "tag.pushed";

    /// <summary>A tag disappeared: deleted on its own, with its manifest, or with its repository.</summary>
    public const string TagDeleted = "tag.deleted";

    /// <summary>A repository that held tags or manifests was deleted as a whole.</summary>
    public const string RepositoryDeleted = "repository.deleted";

    /// <summary>A scan of a digest finished with a report.</summary>
    public const string ScanCompleted = "scan.completed";

    /// <summary>A scan of a digest failed.</summary>
    public const string ScanFailed = "scan.failed";

    /// <summary>A finished scan found vulnerabilities at or above the subscription's minimum severity.</summary>
    public const string VulnerabilitiesFound = "vulnerabilities.found";

    /// <summary>Every event type, in the order the documentation lists them.</summary>
    public static IReadOnlyList<string> All { get; } =
        [TagPushed, TagDeleted, RepositoryDeleted, ScanCompleted, ScanFailed, VulnerabilitiesFound];

    /// <summary>Whether <paramref name="value"/> is one of <see cref="All"/>, compared exactly.</summary>
    public static bool IsKnown(string? value) => value is not null && All.Contains(value, StringComparer.Ordinal);
}
