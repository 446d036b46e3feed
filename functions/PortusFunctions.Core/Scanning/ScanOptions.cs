using System.ComponentModel.DataAnnotations;

namespace PortusFunctions.Scanning;

/// <summary>Settings of the vulnerability scanner and the scan job (section <c>Scan</c>).</summary>
public sealed class ScanOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Scan";

    /// <summary>
    /// The scanner: <c>none</c> (the job does nothing), <c>harbor</c> (Harbor's pluggable scanner API, as the Trivy
    /// adapter serves it), <c>clair</c> (Clair v4) or <c>fake</c> (made-up findings for development).
    /// </summary>
    public string Scanner { get; set; } = ScannerKinds.None;

    /// <summary>Base URL of the scanner: the adapter for <c>harbor</c>, the combined or proxied API for <c>clair</c>.</summary>
    public string? Url { get; set; }

    /// <summary>Value of the <c>Authorization</c> header sent with every request to the scanner; empty for none.</summary>
    public string? Authorization { get; set; }

    /// <summary>
    /// Base URL of the registry as the scanner reaches it, when that differs from <c>Registry__Url</c>, such as a
    /// cluster-internal name.
    /// </summary>
    public string? RegistryUrl { get; set; }

    /// <summary>NCRONTAB schedule (six fields, with seconds) of the scan job.</summary>
    [Required(ErrorMessage = "Scan__Schedule is missing: set a six-field NCRONTAB schedule such as '0 */5 * * * *'.")]
    public string Schedule { get; set; } = "0 */5 * * * *";

    /// <summary>Time a run may spend claiming new work; scans in flight then finish within <see cref="ScanTimeout"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "02:00:00", ErrorMessage = "Scan__TimeBudget must be between 00:00:01 and 02:00:00.")]
    public TimeSpan TimeBudget { get; set; } = TimeSpan.FromMinutes(4);

    /// <summary>Scans a run keeps in flight at once.</summary>
    [Range(1, 64, ErrorMessage = "Scan__Concurrency must be between 1 and 64.")]
    public int Concurrency { get; set; } = 4;

    /// <summary>Failed scans of a digest after which it is marked retries exhausted.</summary>
    [Range(1, 100, ErrorMessage = "Scan__MaxAttempts must be between 1 and 100.")]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Wait after the first failed scan; it doubles with every further failure up to <see cref="MaxRetryBackoff"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Scan__RetryBackoff must be between 00:00:00 and 1.00:00:00.")]
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest wait between two failed scans of a digest.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00", ErrorMessage = "Scan__MaxRetryBackoff must be between 00:00:00 and 7.00:00:00.")]
    public TimeSpan MaxRetryBackoff { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Time one scan may take, from submission to the stored report, before it counts as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "02:00:00", ErrorMessage = "Scan__ScanTimeout must be between 00:00:01 and 02:00:00.")]
    public TimeSpan ScanTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Age of an in-progress claim after which another run takes the digest back, because the instance that claimed
    /// it stopped. Must be longer than <see cref="ScanTimeout"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:02", "1.00:00:00", ErrorMessage = "Scan__InProgressTimeout must be between 00:00:02 and 1.00:00:00.")]
    public TimeSpan InProgressTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Age of a report after which the digest is scanned again, whatever the scanner reports about its database.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00", ErrorMessage = "Scan__MaxReportAge must be between 00:00:01 and 365.00:00:00.")]
    public TimeSpan MaxReportAge { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Wait between two polls of a Harbor scan report when the adapter sends neither <c>Refresh-After</c> nor
    /// <c>Retry-After</c>, as the Trivy adapter does.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00", ErrorMessage = "Scan__PollInterval must be between 00:00:00.050 and 00:05:00.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait between two polls, which caps <c>Refresh-After</c> and <c>Retry-After</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:30:00", ErrorMessage = "Scan__MaxPollInterval must be between 00:00:00.050 and 00:30:00.")]
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Timeout of one HTTP request to the scanner or the registry; transient failures are retried twice.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00", ErrorMessage = "Scan__RequestTimeout must be between 00:00:01 and 00:30:00.")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Whether a scanner is configured.</summary>
    public bool IsEnabled => !string.Equals(Scanner, ScannerKinds.None, StringComparison.OrdinalIgnoreCase);

    /// <summary>Returns the wait after failed attempt number <paramref name="attempts"/> (1 for the first).</summary>
    public TimeSpan BackoffAfter(int attempts)
    {
        var exponent = Math.Clamp(attempts - 1, 0, 30);
        var ticks = Math.Min(RetryBackoff.Ticks * Math.Pow(2, exponent), MaxRetryBackoff.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }
}

/// <summary>Values of <see cref="ScanOptions.Scanner"/>.</summary>
public static class ScannerKinds
{
    /// <summary>No scanner: the scan job does nothing.</summary>
    public const string None = "none";

    /// <summary>Harbor's pluggable scanner API v1.1 or v1.2.</summary>
    public const string Harbor = "harbor";

    /// <summary>Clair v4's indexer and matcher API.</summary>
    public const string Clair = "clair";

    /// <summary>Made-up findings derived from the digest, for development and demonstrations.</summary>
    public const string Fake = "fake";

    /// <summary>Every accepted value.</summary>
    public static IReadOnlyList<string> All { get; } = [None, Harbor, Clair, Fake];
}
