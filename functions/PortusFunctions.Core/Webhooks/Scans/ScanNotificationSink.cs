using System.Globalization;
using System.Text.Json.Nodes;
using PortusFunctions.Images;
using PortusFunctions.Registry;
using PortusFunctions.Scanning;
using PortusFunctions.Webhooks.Outbox;

namespace PortusFunctions.Webhooks.Scans;

/// <summary>
/// Turns scan results into events, one set per repository that points at the scanned digest: <c>scan.completed</c>
/// and, when the report contains a vulnerability of low severity or above, <c>vulnerabilities.found</c> (each
/// subscription applies its own minimum severity); or <c>scan.failed</c>.
/// </summary>
public sealed class ScanNotificationSink : IScanNotificationSink
{
    /// <summary>Most tags listed in one event's <c>tags</c>; <c>tagCount</c> has the full number.</summary>
    public const int MaxTagsPerEvent = 100;

    private readonly OutboxWriter _writer;

    /// <summary>Creates the sink.</summary>
    public ScanNotificationSink(OutboxWriter writer)
    {
        _writer = writer;
    }

    /// <inheritdoc/>
    public Task OnScanFinishedAsync(ScanNotification notification, CancellationToken cancellationToken)
    {
        Validate(notification);

        return _writer.WriteAsync(ToEvents(notification), cancellationToken);
    }

    /// <summary>Returns the events of a validated scan result, before subscriptions filter them.</summary>
    private static List<WebhookEvent> ToEvents(ScanNotification notification)
    {
        var version = ChangeVersion.At(notification.FinishedAt, "scan:" + notification.ScanId);
        var events = new List<WebhookEvent>();
        foreach (var repository in notification.References.GroupBy(reference => reference.Repository, StringComparer.Ordinal))
        {
            var tags = repository.Select(reference => reference.Tag).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (notification.Outcome == ScanOutcome.Failed)
            {
                var data = BaseData(notification, repository.Key, tags);
                data["error"] = notification.Error;
                events.Add(Create(WebhookEventTypes.ScanFailed, 0, notification, repository.Key, version, data));
                continue;
            }

            var counts = notification.Vulnerabilities!;
            events.Add(Create(WebhookEventTypes.ScanCompleted, 0, notification, repository.Key, version, WithCounts(BaseData(notification, repository.Key, tags), counts)));
            if (counts.AtOrAbove(VulnerabilitySeverity.Low) > 0)
            {
                events.Add(Create(WebhookEventTypes.VulnerabilitiesFound, 1, notification, repository.Key, version, WithCounts(BaseData(notification, repository.Key, tags), counts)));
            }
        }

        return events;
    }

    private static void Validate(ScanNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);

        if (string.IsNullOrWhiteSpace(notification.ScanId))
        {
            throw new ArgumentException("The scan notification has no ScanId: set the stable id of the scan result.", nameof(notification));
        }

        if (!ReferenceRules.IsValidDigest(notification.Digest))
        {
            throw new ArgumentException($"The scan notification's digest '{notification.Digest}' is not a valid digest.", nameof(notification));
        }

        if (notification.References is not { Count: > 0 } || notification.References.Any(reference => !ReferenceRules.IsValidRepository(reference.Repository)))
        {
            throw new ArgumentException($"The scan notification of {notification.Digest} needs at least one reference, each with a valid repository name.", nameof(notification));
        }

        if (notification.Outcome == ScanOutcome.Completed && notification.Vulnerabilities is null)
        {
            throw new ArgumentException($"The completed scan {notification.ScanId} has no Vulnerabilities counts: set them, with zeros for a clean report.", nameof(notification));
        }

        if (notification.Outcome == ScanOutcome.Failed && string.IsNullOrWhiteSpace(notification.Error))
        {
            throw new ArgumentException($"The failed scan {notification.ScanId} has no Error: set why it failed.", nameof(notification));
        }
    }

    private static WebhookEvent Create(
        string type,
        int rank,
        ScanNotification notification,
        string repository,
        ChangeVersion version,
        JsonObject data) => new()
        {
            Type = type,
            Repository = repository,
            Version = version,
            Subject = $"{repository}@{notification.Digest}",
            Rank = rank,
            Identity = WebhookEvent.Join(type, repository, version, notification.Digest),
            Data = data,
            Vulnerabilities = notification.Vulnerabilities,
        };

    private static JsonObject BaseData(ScanNotification notification, string repository, List<string> tags)
    {
        var listed = new JsonArray();
        foreach (var tag in tags.Take(MaxTagsPerEvent))
        {
            listed.Add(tag);
        }

        return new JsonObject
        {
            ["repository"] = repository,
            ["digest"] = notification.Digest,
            ["tags"] = listed,
            ["tagCount"] = tags.Count,
            ["scanId"] = notification.ScanId,
            ["scanner"] = notification.Scanner,
            ["finishedAt"] = notification.FinishedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
        };
    }

    private static JsonObject WithCounts(JsonObject data, SeverityCounts counts)
    {
        data["vulnerabilities"] = new JsonObject
        {
            ["critical"] = counts.Critical,
            ["high"] = counts.High,
            ["medium"] = counts.Medium,
            ["low"] = counts.Low,
            ["negligible"] = counts.Negligible,
            ["unknown"] = counts.Unknown,
            ["total"] = counts.Total,
        };
        return data;
    }
}
