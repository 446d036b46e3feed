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

    /// <summary>Most events accepted in one request; more get 413.</summary>
    [Range(1, 100_000, ErrorMessage = "Webhook__MaxEventsPerRequest must be between 1 and 100000.")]
    public int MaxEventsPerRequest { get; set; } = 1000;
}
