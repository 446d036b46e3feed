using Microsoft.Extensions.Options;
using PortusFunctions.Events;
using PortusFunctions.Images;
using PortusFunctions.Jobs;
using PortusFunctions.Registry;
using PortusFunctions.Scanning;

namespace PortusFunctions.OperatorPage;

/// <summary>Reads the figures of the operator page from the tables.</summary>
public class OperatorOverviewService
{
    /// <summary>How far back the page lists quarantined events.</summary>
    public static readonly TimeSpan QuarantineWindow = TimeSpan.FromDays(7);

    private const int RunsShown = 10;
    private const int MostVulnerableShown = 10;

    private readonly IImageStore _images;
    private readonly InboxStore _inbox;
    private readonly JobRunStore _runs;
    private readonly IScanStore _scans;
    private readonly IOptions<ScanOptions> _scanOptions;
    private readonly IOptions<InboxOptions> _inboxOptions;
    private readonly TimeProvider _clock;

    /// <summary>Creates the service.</summary>
    public OperatorOverviewService(
        IImageStore images,
        InboxStore inbox,
        JobRunStore runs,
        IScanStore scans,
        IOptions<ScanOptions> scanOptions,
        IOptions<InboxOptions> inboxOptions,
        TimeProvider clock)
    {
        _images = images;
        _inbox = inbox;
        _runs = runs;
        _scans = scans;
        _scanOptions = scanOptions;
        _inboxOptions = inboxOptions;
        _clock = clock;
    }

    /// <summary>Reads every figure; the reads run in parallel.</summary>
    /// <exception cref="Storage.StorageUnavailableException">Storage cannot be reached.</exception>
    public virtual async Task<OperatorOverview> GetAsync(CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var repositories = _images.ListRepositoriesAsync(cancellationToken);
        var events = ReadEventsAsync(now, cancellationToken);
        var syncRuns = _runs.RecentRunsAsync("sync", RunsShown, cancellationToken);
        var scanRuns = _runs.RecentRunsAsync("scan", RunsShown, cancellationToken);
        var statuses = _scans.ListAsync(cancellationToken);
        await Task.WhenAll(repositories, events, syncRuns, scanRuns, statuses).ConfigureAwait(false);

        var listing = await repositories.ConfigureAwait(false);
        var store = new StoreSize(listing.Count, listing.Sum(repository => repository.TagCount), listing.Sum(repository => repository.ManifestCount));
        return new OperatorOverview(
            now,
            store,
            await events.ConfigureAwait(false),
            await syncRuns.ConfigureAwait(false),
            Summarize(await statuses.ConfigureAwait(false)),
            await scanRuns.ConfigureAwait(false));
    }

    private async Task<EventBacklog> ReadEventsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cursor = await _inbox.ReadCursorAsync(cancellationToken).ConfigureAwait(false)
            ?? InboxStore.PartitionFor(now - _inboxOptions.Value.Retention);
        var pending = 0;
        DateTimeOffset? oldest = null;
        await foreach (var row in _inbox.ReadPendingAsync(cursor, cancellationToken).ConfigureAwait(false))
        {
            pending++;
            oldest = oldest is null || row.ReceivedAt < oldest ? row.ReceivedAt : oldest;
        }

        var quarantined = await _inbox.ReadQuarantineAsync(now - QuarantineWindow, cancellationToken).ConfigureAwait(false);
        return new EventBacklog(pending, oldest, quarantined);
    }

    private ScanCoverage Summarize(IReadOnlyList<ScanStatusRecord> records)
    {
        var byStatus = records.GroupBy(record => record.Status).ToDictionary(group => group.Key, group => group.Count(), StringComparer.Ordinal);
        var reports = records
            .Where(record => record.Counts is not null && !MediaTypes.IsIndex(record.MediaType))
            .ToList();
        var findings = new SeverityCounts(
            reports.Sum(record => record.Counts!.Critical),
            reports.Sum(record => record.Counts!.High),
            reports.Sum(record => record.Counts!.Medium),
            reports.Sum(record => record.Counts!.Low),
            reports.Sum(record => record.Counts!.Negligible),
            reports.Sum(record => record.Counts!.Unknown));
        var mostVulnerable = reports
            .Where(record => record.Counts!.Critical + record.Counts.High > 0)
            .OrderByDescending(record => record.Counts!.Critical)
            .ThenByDescending(record => record.Counts!.High)
            .ThenBy(record => record.Digest, StringComparer.Ordinal)
            .Take(MostVulnerableShown)
            .Select(record => new VulnerableDigest(record.Repository ?? "", record.Digest, record.Counts!))
            .ToList();
        return new ScanCoverage(_scanOptions.Value.Scanner, records.Count, byStatus, findings, mostVulnerable);
    }
}
