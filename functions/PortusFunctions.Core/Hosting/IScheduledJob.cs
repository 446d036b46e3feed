namespace PortusFunctions.Hosting;

/// <summary>
/// A job that runs on an NCRONTAB schedule: a timer trigger in the function app, a background loop on the
/// bare-metal host.
/// </summary>
public interface IScheduledJob
{
    /// <summary>Name used in logs.</summary>
    string Name { get; }

    /// <summary>Configuration key of the schedule, as in <c>%Inbox:DrainSchedule%</c>.</summary>
    string ScheduleSetting { get; }

    /// <summary>Schedule used by the bare-metal host when the setting is absent.</summary>
    string DefaultSchedule { get; }

    /// <summary>Runs the job once. Failures the job expects, such as a storage outage, are logged, not thrown.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}
