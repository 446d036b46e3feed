using Microsoft.Extensions.Logging;
using PortusFunctions.Hosting;
using PortusFunctions.Storage;

namespace PortusFunctions.Events;

/// <summary>The scheduled form of <see cref="InboxDrain"/>.</summary>
public sealed partial class InboxDrainJob : IScheduledJob
{
    private readonly IInboxDrain _drain;
    private readonly ILogger<InboxDrainJob> _logger;

    /// <summary>Creates the job.</summary>
    public InboxDrainJob(IInboxDrain drain, ILogger<InboxDrainJob> logger)
    {
        _drain = drain;
        _logger = logger;
    }

    /// <inheritdoc/>
    public string Name => "InboxDrain";

    /// <inheritdoc/>
    public string ScheduleSetting => "Inbox:DrainSchedule";

    /// <inheritdoc/>
    public string DefaultSchedule => new InboxOptions().DrainSchedule;

    /// <inheritdoc/>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _drain.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (StorageUnavailableException exception)
        {
            LogStorageUnavailable(exception);
        }
    }

    [LoggerMessage(EventId = 2303, Level = LogLevel.Warning, Message = "Inbox drain skipped: storage is unavailable")]
    private partial void LogStorageUnavailable(Exception exception);
}
