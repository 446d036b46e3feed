using System.ComponentModel.DataAnnotations;

namespace PortusFunctions.Events;

/// <summary>Settings of the inbox and its drain job (section <c>Inbox</c>).</summary>
public sealed class InboxOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Inbox";

    /// <summary>NCRONTAB schedule (six fields, with seconds) of the drain job.</summary>
    [Required]
    public string DrainSchedule { get; set; } = "0 */1 * * * *";

    /// <summary>How long a stored event is left to the in-process applier before the drain takes it.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Inbox__DrainDelay must be between 00:00:00 and 01:00:00.")]
    public TimeSpan DrainDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Failed attempts after which an event is quarantined with its last error.</summary>
    [Range(1, 100, ErrorMessage = "Inbox__MaxAttempts must be between 1 and 100.")]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Consumers of the in-process applier; each applies the events of its share of the repositories.</summary>
    [Range(1, 256, ErrorMessage = "Inbox__ApplyConcurrency must be between 1 and 256.")]
    public int ApplyConcurrency { get; set; } = 8;

    /// <summary>How long applied, ignored and quarantined events stay in the inbox; pending events are never removed.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00", ErrorMessage = "Inbox__Retention must be between 01:00:00 and 3650.00:00:00.")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Time a drain run may take before it stops and leaves the rest to the next run.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "02:00:00", ErrorMessage = "Inbox__TimeBudget must be between 00:00:01 and 02:00:00.")]
    public TimeSpan TimeBudget { get; set; } = TimeSpan.FromMinutes(4);
}
