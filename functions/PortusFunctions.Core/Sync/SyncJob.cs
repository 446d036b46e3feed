using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PortusFunctions.Hosting;
using PortusFunctions.Storage;

namespace PortusFunctions.Sync;

/// <summary>The scheduled form of <see cref="ISyncService"/>, on the schedule of the setting <c>Sync__Schedule</c>.</summary>
public sealed partial class SyncJob : IScheduledJob
{
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger<SyncJob> _logger;

    /// <summary>Creates the job; each run resolves the scoped <see cref="ISyncService"/> anew.</summary>
    public SyncJob(IServiceScopeFactory scopes, ILogger<SyncJob> logger)
    {
        _scopes = scopes;
        _logger = logger;
    }

    /// <inheritdoc/>
    public string Name => "Sync";

    /// <inheritdoc/>
    public string ScheduleSetting => "Sync:Schedule";

    /// <inheritdoc/>
    public string DefaultSchedule => new SyncOptions().Schedule;

    /// <inheritdoc/>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var sync = scope.ServiceProvider.GetRequiredService<ISyncService>();
            try
            {
                await sync.RunAsync(SyncTrigger.Schedule, confirmDeletes: false, cancellationToken).ConfigureAwait(false);
            }
            catch (StorageUnavailableException exception)
            {
                LogStorageUnavailable(exception);
            }
        }
    }

    [LoggerMessage(EventId = 3150, Level = LogLevel.Warning, Message = "Sync run skipped: storage is unavailable")]
    private partial void LogStorageUnavailable(Exception exception);
}
