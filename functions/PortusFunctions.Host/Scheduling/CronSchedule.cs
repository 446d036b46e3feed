using NCrontab;

namespace PortusFunctions.Host.Scheduling;

/// <summary>An NCRONTAB expression with six fields (seconds first), as timer triggers of Azure Functions use.</summary>
public sealed class CronSchedule
{
    private readonly CrontabSchedule _schedule;

    private CronSchedule(CrontabSchedule schedule, string expression)
    {
        _schedule = schedule;
        Expression = expression;
    }

    /// <summary>The expression as configured.</summary>
    public string Expression { get; }

    /// <summary>Parses a six-field expression such as <c>0 */5 * * * *</c>.</summary>
    /// <exception cref="FormatException">The expression is not a six-field NCRONTAB expression; the message names <paramref name="setting"/>.</exception>
    public static CronSchedule Parse(string expression, string setting)
    {
        ArgumentNullException.ThrowIfNull(expression);

        var schedule = CrontabSchedule.TryParse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = true });
        if (schedule is null)
        {
            throw new FormatException(
                $"{setting.Replace(":", "__", StringComparison.Ordinal)} = '{expression}' is not a valid schedule: expected six NCRONTAB fields 'second minute hour day month weekday', such as '0 */5 * * * *'.");
        }

        return new CronSchedule(schedule, expression);
    }

    /// <summary>Returns the first occurrence after <paramref name="time"/>, in UTC.</summary>
    public DateTimeOffset NextAfter(DateTimeOffset time) =>
        new(DateTime.SpecifyKind(_schedule.GetNextOccurrence(time.UtcDateTime), DateTimeKind.Utc));
}
