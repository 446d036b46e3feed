using Microsoft.Azure.Functions.Worker;
using PortusFunctions.Events;

namespace PortusFunctions.FunctionApp.Timers;

/// <summary>Applies events left pending in the inbox, on the schedule of the setting <c>Inbox__DrainSchedule</c>.</summary>
public sealed class InboxDrainFunction
{
    private readonly InboxDrainJob _job;

    /// <summary>Creates the function.</summary>
    public InboxDrainFunction(InboxDrainJob job)
    {
        _job = job;
    }

    /// <summary>Runs one drain pass.</summary>
    [Function("InboxDrain")]
    public Task RunAsync([TimerTrigger("%Inbox:DrainSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        _job.RunAsync(cancellationToken);
}
