using PortusFunctions.Hosting;

namespace PortusFunctions.Host.Scheduling;

/// <summary>
/// Runs every <see cref="IScheduledJob"/> on its schedule, one run of a job at a time, as the timer triggers do in
/// the function app. A run that fails is logged and the next one starts on schedule.
/// </summary>
public sealed partial class ScheduledJobRunner : BackgroundService
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromDays(1);

    private readonly IReadOnlyList<(IScheduledJob Job, CronSchedule Schedule)> _jobs;
    private readonly TimeProvider _clock;
    private readonly ILogger<ScheduledJobRunner> _logger;

    /// <summary>Creates the runner and parses every schedule, so a bad schedule fails the start.</summary>
    public ScheduledJobRunner(
        IEnumerable<IScheduledJob> jobs,
        IConfiguration configuration,
        TimeProvider clock,
        ILogger<ScheduledJobRunner> logger)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(configuration);

        _jobs = [.. jobs.Select(job => (job, CronSchedule.Parse(configuration[job.ScheduleSetting] ?? job.DefaultSchedule, job.ScheduleSetting)))];
        _clock = clock;
        _logger = logger;
    }

    /// <inheritdoc/>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_jobs.Select(entry => RunOnScheduleAsync(entry.Job, entry.Schedule, stoppingToken)));

    private async Task RunOnScheduleAsync(IScheduledJob job, CronSchedule schedule, CancellationToken stoppingToken)
    {
        LogScheduled(job.Name, schedule.Expression);
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = schedule.NextAfter(_clock.GetUtcNow());
            try
            {
                // Task.Delay accepts at most about 49.7 days, so a later occurrence is waited for a day at a time.
                for (var delay = next - _clock.GetUtcNow(); delay > TimeSpan.Zero; delay = next - _clock.GetUtcNow())
                {
                    await Task.Delay(delay < MaxDelay ? delay : MaxDelay, _clock, stoppingToken).ConfigureAwait(false);
                }

                await job.RunAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                LogRunFailed(exception, job.Name);
            }
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Job {Job} scheduled with '{Schedule}'")]
    private partial void LogScheduled(string job, string schedule);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Job {Job} failed; it runs again on schedule")]
    private partial void LogRunFailed(Exception exception, string job);
}
