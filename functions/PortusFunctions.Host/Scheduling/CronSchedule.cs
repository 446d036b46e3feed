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
    /// <exception cref="FormatException">
    /// The expression is not a six-field NCRONTAB expression, or it never fires; the message names <paramref name="setting"/>.
    /// </exception>
    public static CronSchedule Parse(string expression, string setting)
    {
        ArgumentNullException.ThrowIfNull(expression);

        var schedule = CrontabSchedule.TryParse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = true });
        var name = setting.Replace(":", "__", StringComparison.Ordinal);
        if (schedule is null)
        {
            throw new FormatException(
                $"{name} = '{expression}' is not a valid schedule: expected six NCRONTAB fields 'second minute hour day month weekday', such as '0 */5 * * * *'.");
        }

        // A schedule such as '0 0 0 31 2 *' parses but never fires; NCrontab then returns its end date.
        var parsed = new CronSchedule(schedule, expression);
        if (parsed.NextAfter(DateTimeOffset.UtcNow) > DateTimeOffset.UtcNow.AddYears(5))
        {
            throw new FormatException($"{name} = '{expression}' never fires: no second, minute, hour, day and month of it fall on a real date.");
        }

        return parsed;
    }

    /// <summary>Returns the first occurrence after <paramref name="time"/>, in UTC.</summary>
    public DateTimeOffset NextAfter(DateTimeOffset time) =>
        new(DateTime.SpecifyKind(_schedule.GetNextOccurrence(time.UtcDateTime), DateTimeKind.Utc));
}
