using Microsoft.Extensions.Logging;

namespace PortusFunctions.Scanning;

/// <summary>Announcing stored scan outcomes to the notification sinks.</summary>
public sealed partial class ScanJob
{
    /// <summary>
    /// Announces every stored outcome not announced yet to the notification sinks, then clears its flag with the
    /// row's ETag. An outcome whose announcement failed, or whose process stopped before clearing the flag, is
    /// announced again on the next run; the sinks are idempotent by the scan id.
    /// </summary>
    private async Task AnnounceOutcomesAsync(
        IReadOnlyList<ScanStatusRecord> statuses,
        Dictionary<string, ScanCandidate> candidates,
        ScanCounters counters,
        CancellationToken cancellationToken)
    {
        if (_sinks.Count == 0)
        {
            return;
        }

        foreach (var row in statuses.Where(row => row.NotificationPending))
        {
            if (candidates.TryGetValue(row.Digest, out var candidate) && candidate.References.Count > 0 && ToNotification(row, candidate) is { } notification)
            {
                try
                {
                    foreach (var sink in _sinks)
                    {
                        await sink.OnScanFinishedAsync(notification, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogAnnounceFailed(exception, row.Digest);
                    continue;
                }

                counters.Add(ScanCounters.Announced);
            }

            // A digest that is no longer visible anywhere has nobody to tell; its flag is cleared too.
            var announced = row.Copy();
            announced.NotificationPending = false;
            await _store.TryReplaceAsync(announced, cancellationToken).ConfigureAwait(false);
        }
    }

    private static ScanNotification? ToNotification(ScanStatusRecord row, ScanCandidate candidate)
    {
        var finishedAt = row.CompletedAt ?? row.LastAttemptAt;
        if (finishedAt is null)
        {
            return null;
        }

        var completed = row.Status == ScanStatuses.Completed && row.Generation is not null;
        return new ScanNotification
        {
            ScanId = completed
                ? $"{row.Digest}|{row.Generation}"
                : $"{row.Digest}|failed|{row.Attempts}|{finishedAt.Value.UtcTicks}",
            Digest = row.Digest,
            References = candidate.References,
            Outcome = completed ? ScanOutcome.Completed : ScanOutcome.Failed,
            FinishedAt = finishedAt.Value,
            Vulnerabilities = completed ? row.Counts ?? SeverityCounts.Zero : null,
            Error = completed ? null : row.Error ?? "The scan failed.",
            Scanner = row.ScannerName is null ? null : $"{row.ScannerName} {row.ScannerVersion}".Trim(),
        };
    }
}
