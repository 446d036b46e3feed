using Microsoft.Extensions.Options;
using PortusFunctions.Images;

namespace PortusFunctions.Scanning;

/// <summary>
/// Gives every manifest that becomes visible a pending scan status, so the next scan run scans it.
/// </summary>
/// <remarks>
/// Inserting is idempotent: a digest that has a status keeps it, so a repeated change, a retag or a push of the same
/// digest to another repository starts no second scan. The scan job also creates missing rows, which covers
/// changes made while no scanner was configured.
/// </remarks>
public sealed class ScanQueueObserver : IImageChangeObserver
{
    private readonly IScanStore _store;
    private readonly IOptions<ScanOptions> _options;
    private readonly TimeProvider _clock;

    /// <summary>Creates the observer.</summary>
    public ScanQueueObserver(IScanStore store, IOptions<ScanOptions> options, TimeProvider clock)
    {
        _store = store;
        _options = options;
        _clock = clock;
    }

    /// <inheritdoc/>
    public async Task OnChangedAsync(IReadOnlyList<ImageChange> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);

        if (!_options.Value.IsEnabled)
        {
            return;
        }

        foreach (var change in changes.OfType<ManifestChanged>().Where(change => change.Visible))
        {
            await _store.TryAddAsync(
                new ScanStatusRecord
                {
                    Digest = change.Digest,
                    Repository = change.Repository,
                    MediaType = change.MediaType,
                    ConfigMediaType = change.Details.ConfigMediaType,
                    CreatedAt = _clock.GetUtcNow(),
                },
                cancellationToken).ConfigureAwait(false);
        }
    }
}
