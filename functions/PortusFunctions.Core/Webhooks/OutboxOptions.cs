using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace PortusFunctions.Webhooks;

/// <summary>Settings of outgoing webhooks: the outbox dispatcher and the target checks (section <c>Outbox</c>).</summary>
public sealed class OutboxOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Outbox";

    /// <summary>NCRONTAB schedule (six fields, with seconds) of the dispatcher's timer.</summary>
    [Required(ErrorMessage = "Outbox__Schedule is missing: set an NCRONTAB schedule with six fields, such as '*/15 * * * * *'.")]
    public string Schedule { get; set; } = "*/15 * * * * *";

    /// <summary>Time one delivery request may take, connection included, before it counts as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:02:00", ErrorMessage = "Outbox__RequestTimeout must be between 00:00:01 and 00:02:00.")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts after which a delivery is marked failed.</summary>
    [Range(1, 50, ErrorMessage = "Outbox__MaxAttempts must be between 1 and 50.")]
    public int MaxAttempts { get; set; } = 10;

    /// <summary>Delay before the second attempt; each later delay doubles, up to <see cref="MaxBackoff"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "01:00:00", ErrorMessage = "Outbox__InitialBackoff must be between 00:00:00.1 and 01:00:00.")]
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest delay between two attempts, also the cap for a subscriber's <c>Retry-After</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "1.00:00:00", ErrorMessage = "Outbox__MaxBackoff must be between 00:00:00.1 and 1.00:00:00.")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Time a dispatcher run may take before it stops claiming deliveries and leaves the rest to the next run.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "02:00:00", ErrorMessage = "Outbox__TimeBudget must be between 00:00:01 and 02:00:00.")]
    public TimeSpan TimeBudget { get; set; } = TimeSpan.FromMinutes(4);

    /// <summary>Subscriptions a dispatcher run sends to in parallel; each subscription's deliveries go one at a time.</summary>
    [Range(1, 64, ErrorMessage = "Outbox__MaxConcurrency must be between 1 and 64.")]
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>How long delivery rows stay in the outbox, whatever their status.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "365.00:00:00", ErrorMessage = "Outbox__Retention must be between 01:00:00 and 365.00:00:00.")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Whether <c>http://</c> targets are accepted; for development and tests only.</summary>
    public bool AllowHttp { get; set; }

    /// <summary>
    /// Whether targets in loopback, private, link-local, carrier-grade NAT and other non-public ranges are accepted;
    /// for development and tests only. Cloud metadata addresses stay rejected.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>The CloudEvents <c>source</c> attribute of every event: a URI reference naming this deployment.</summary>
    [Required(ErrorMessage = "Outbox__EventSource is missing: set a URI reference such as '/portusfunctions' or 'https://registry.example.com'.")]
    public string EventSource { get; set; } = "/portusfunctions";
}

/// <summary>Checks the relations between <see cref="OutboxOptions"/> values that attributes cannot express.</summary>
public sealed class OutboxOptionsValidator : IValidateOptions<OutboxOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        var failures = new List<string>();
        if (options.MaxBackoff < options.InitialBackoff)
        {
            failures.Add($"Outbox__MaxBackoff ({options.MaxBackoff}) is shorter than Outbox__InitialBackoff ({options.InitialBackoff}): set it to at least the initial backoff.");
        }

        if (!string.IsNullOrEmpty(options.EventSource) && !Uri.TryCreate(options.EventSource, UriKind.RelativeOrAbsolute, out _))
        {
            failures.Add($"Outbox__EventSource '{options.EventSource}' is not a URI reference: use a value such as '/portusfunctions' or 'https://registry.example.com'.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
