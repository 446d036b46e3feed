using Microsoft.Azure.Functions.Worker;
using PortusFunctions.Scanning;

namespace PortusFunctions.FunctionApp.Timers;

/// <summary>Scans new and outdated digests, on the schedule of the setting <c>Scan__Schedule</c>.</summary>
public sealed class ScanFunction
{
    private readonly IScanJob _job;

    /// <summary>Creates the function.</summary>
    public ScanFunction(IScanJob job)
    {
        _job = job;
    }

    /// <summary>Runs one scan pass.</summary>
    [Function("Scan")]
    public Task RunAsync([TimerTrigger("%Scan:Schedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        _job.RunAsync(cancellationToken);
}
