using Azure;
using Microsoft.Extensions.Logging;
using PortusFunctions.Images;
using PortusFunctions.Storage;

namespace PortusFunctions.Sync;

/// <summary>
/// Applies the sync's commands to one repository: loads its rows, plans from them, applies the plan and commits it
/// in transactions of at most 100 rows. When an event wrote to the repository meanwhile (412 or 409), it loads the
/// rows again and plans again, so already committed changes are not planned twice.
/// </summary>
public sealed partial class SyncWriter
{
    private const int MaxAttempts = 8;

    // A push changes at most its tag row, its manifest row and the summary row.
    private const int MaxRowsPerCommand = 3;

    private readonly IImageStore _images;
    private readonly SyncCounts _counts;
    private readonly ILogger _logger;

    /// <summary>Creates the writer, which adds what it applies to <paramref name="counts"/>.</summary>
    public SyncWriter(IImageStore images, SyncCounts counts, ILogger logger)
    {
        _images = images;
        _counts = counts;
        _logger = logger;
    }

    /// <summary>Plans and applies changes to <paramref name="repository"/>, and returns its rows as committed.</summary>
    /// <param name="repository">Repository name.</param>
    /// <param name="plan">Returns the commands for the loaded rows; called again after a concurrent write.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    public async Task<ImagePartition> ApplyAsync(
        string repository,
        Func<ImagePartition, CancellationToken, Task<IReadOnlyList<ImageCommand>>> plan,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);

        for (var attempt = 1; ; attempt++)
        {
            var partition = await _images.LoadAsync(repository, cancellationToken).ConfigureAwait(false);
            var commands = await plan(partition, cancellationToken).ConfigureAwait(false);
            var chunk = new ChunkCounts();
            try
            {
                foreach (var command in commands)
                {
                    if (partition.DirtyRowCount + MaxRowsPerCommand > TableBatchWriter.MaxActionsPerTransaction)
                    {
                        await _images.CommitAsync(partition, cancellationToken).ConfigureAwait(false);
                        chunk.AddTo(_counts);
                        chunk = new ChunkCounts();
                    }

                    Apply(partition, command, chunk);
                }

                // NOTE: when an IImageChangeObserver fails after a commit, the rows are stored and the next run finds
                // nothing to change, so the sync does not report those changes again, unlike a redelivered event.
                if (partition.DirtyRowCount > 0)
                {
                    await _images.CommitAsync(partition, cancellationToken).ConfigureAwait(false);
                }

                chunk.AddTo(_counts);
                return partition;
            }
            catch (RequestFailedException exception)
                when (attempt < MaxAttempts && (StorageFailure.IsPreconditionFailed(exception) || StorageFailure.IsConflict(exception)))
            {
                LogConcurrentWrite(repository, attempt);
                await Task.Delay(Random.Shared.Next(10, 50 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Applies one command and counts it. A command counts as skipped when a newer change in the store hides its
    /// effect, although it still records its version. That is a push that is not visible afterwards, a tag or
    /// digest delete whose target is still visible, or a repository delete that removed nothing visible.
    /// </summary>
    private static void Apply(ImagePartition partition, ImageCommand command, ChunkCounts chunk)
    {
        var existed = command switch
        {
            PushManifest { Tag: { } tag } => partition.FindTag(tag) is { } row && partition.VisibleDigest(row) is not null,
            PushManifest push => partition.FindManifest(push.Digest) is { } row && partition.IsVisible(row),
            _ => true,
        };
        var visibleBefore = partition.Summary.TagCount + partition.Summary.ManifestCount;

        var outcome = partition.Apply(command);
        var effective = command switch
        {
            PushManifest { Tag: { } tag } push => string.Equals(partition.VisibleDigest(partition.FindTag(tag)!), push.Digest, StringComparison.Ordinal),
            PushManifest push => partition.IsVisible(partition.FindManifest(push.Digest)!),
            DeleteTag delete => partition.VisibleDigest(partition.FindTag(delete.Tag)!) is null,
            DeleteDigest delete => !partition.IsVisible(partition.FindManifest(delete.Digest)!),
            _ => partition.Summary.TagCount + partition.Summary.ManifestCount < visibleBefore,
        };
        if (!outcome.Changed || outcome.IsIgnored || !effective)
        {
            chunk.Skipped++;
        }
        else if (command is not PushManifest)
        {
            chunk.Deleted++;
        }
        else if (existed)
        {
            chunk.Updated++;
        }
        else
        {
            chunk.Added++;
        }
    }

    [LoggerMessage(EventId = 3120, Level = LogLevel.Debug, Message = "Repository {Repository} changed while the sync wrote it; attempt {Attempt} loads it again")]
    private partial void LogConcurrentWrite(string repository, int attempt);

    private sealed class ChunkCounts
    {
        public long Added { get; set; }

        public long Updated { get; set; }

        public long Deleted { get; set; }

        public long Skipped { get; set; }

        public void AddTo(SyncCounts counts) => counts.AddChanges(Added, Updated, Deleted, Skipped);
    }
}
