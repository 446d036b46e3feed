using System.ComponentModel.DataAnnotations;

namespace PortusFunctions.Events;

/// <summary>Settings of the notification endpoint (section <c>Webhook</c>).</summary>
public sealed class WebhookOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Webhook";

    /// <summary>
    /// Shared secret the registry sends as <c>Authorization: Bearer SECRET</c>. Required unless
    /// <c>Access__DevelopmentMode</c> is true.
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>Largest accepted body in bytes; larger bodies get 413.</summary>
    [Range(1024, 64 * 1024 * 1024, ErrorMessage = "Webhook__MaxBodyBytes must be between 1024 and 67108864.")]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Longest time the webhook waits for storage before it returns 503, so that the registry's notification
    /// timeout (5 s or more as recommended) does not expire first. The events may still be stored afterwards; the
    /// registry then sends them again, and applying an event twice changes nothing.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:03:00", ErrorMessage = "Webhook__StoreTimeout must be between 00:00:00.100 and 00:03:00.")]
    public TimeSpan StoreTimeout { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>
    /// How far an event's timestamp may be ahead of this host's clock; later events are quarantined, because a version
    /// from the future would win against every real change until that time.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Webhook__MaxClockSkew must be between 00:00:00 and 1.00:00:00.")]
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Most events accepted in one request; more get 413.</summary>
    [Range(1, 100_000, ErrorMessage = "Webhook__MaxEventsPerRequest must be between 1 and 100000.")]
    public int MaxEventsPerRequest { get; set; } = 1000;
}
