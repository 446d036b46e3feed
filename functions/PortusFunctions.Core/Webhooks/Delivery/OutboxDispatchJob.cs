using Microsoft.Extensions.Logging;
using PortusFunctions.Hosting;
using PortusFunctions.Storage;

namespace PortusFunctions.Webhooks.Delivery;

/// <summary>The scheduled form of <see cref="IOutboxDispatcher"/>, on the setting <c>Outbox__Schedule</c>.</summary>
public sealed partial class OutboxDispatchJob : IScheduledJob
{
    private readonly IOutboxDispatcher _dispatcher;
    private readonly ILogger<OutboxDispatchJob> _logger;

    /// <summary>Creates the job.</summary>
    public OutboxDispatchJob(IOutboxDispatcher dispatcher, ILogger<OutboxDispatchJob> logger)
    {
        _dispatcher = dispatcher;
        _logger = logger;
    }

    /// <inheritdoc/>
    public string Name => "OutboxDispatch";

    /// <inheritdoc/>
    public string ScheduleSetting => "Outbox:Schedule";

    /// <inheritdoc/>
    public string DefaultSchedule => new OutboxOptions().Schedule;

    /// <inheritdoc/>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _dispatcher.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (StorageUnavailableException exception)
        {
            LogStorageUnavailable(exception);
        }
    }

    [LoggerMessage(EventId = 6210, Level = LogLevel.Warning, Message = "Outbox dispatch skipped: storage is unavailable")]
    private partial void LogStorageUnavailable(Exception exception);
}
