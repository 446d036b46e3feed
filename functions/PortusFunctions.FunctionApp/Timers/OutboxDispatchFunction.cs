using Microsoft.Azure.Functions.Worker;
using PortusFunctions.Webhooks.Delivery;

namespace PortusFunctions.FunctionApp.Timers;

/// <summary>Sends pending webhook deliveries, on the schedule of the setting <c>Outbox__Schedule</c>.</summary>
public sealed class OutboxDispatchFunction
{
    private readonly OutboxDispatchJob _job;

    /// <summary>Creates the function.</summary>
    public OutboxDispatchFunction(OutboxDispatchJob job)
    {
        _job = job;
    }

    /// <summary>Runs one dispatcher pass.</summary>
    [Function("OutboxDispatch")]
    public Task RunAsync([TimerTrigger("%Outbox:Schedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        _job.RunAsync(cancellationToken);
}
