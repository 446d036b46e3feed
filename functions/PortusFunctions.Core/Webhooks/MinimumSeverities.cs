using PortusFunctions.Scanning;

namespace PortusFunctions.Webhooks;

/// <summary>Names of the severities that a subscription may set as its minimum.</summary>
public static class MinimumSeverities
{
    /// <summary>Accepted values of <c>minimumSeverity</c>, lowercase.</summary>
    public static IReadOnlyList<string> Names { get; } = ["low", "medium", "high", "critical"];

    /// <summary>Parses <c>low</c>, <c>medium</c>, <c>high</c> or <c>critical</c>, ignoring case.</summary>
    public static bool TryParse(string? value, out VulnerabilitySeverity severity)
    {
        severity = value?.ToUpperInvariant() switch
        {
            "LOW" => VulnerabilitySeverity.Low,
            "MEDIUM" => VulnerabilitySeverity.Medium,
            "HIGH" => VulnerabilitySeverity.High,
            "CRITICAL" => VulnerabilitySeverity.Critical,
            _ => VulnerabilitySeverity.Unknown,
        };
        return severity != VulnerabilitySeverity.Unknown;
    }

    /// <summary>Returns the lowercase name of a severity, as the API and payloads write it.</summary>
    public static string Format(VulnerabilitySeverity severity) => severity switch
    {
        VulnerabilitySeverity.Critical => "critical",
        VulnerabilitySeverity.High => "high",
        VulnerabilitySeverity.Medium => "medium",
        VulnerabilitySeverity.Low => "low",
        VulnerabilitySeverity.Negligible => "negligible",
        _ => "unknown",
    };
}
