using Microsoft.Azure.Functions.Worker;
using PortusFunctions.Sync;

namespace PortusFunctions.FunctionApp.Timers;

/// <summary>Synchronizes the store with the registry's catalog, on the schedule of the setting <c>Sync__Schedule</c>.</summary>
public sealed class SyncFunction
{
    private readonly SyncJob _job;

    /// <summary>Creates the function.</summary>
    public SyncFunction(SyncJob job)
    {
        _job = job;
    }

    /// <summary>Runs one sync run.</summary>
    [Function("Sync")]
    public Task RunAsync([TimerTrigger("%Sync:Schedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        _job.RunAsync(cancellationToken);
}
