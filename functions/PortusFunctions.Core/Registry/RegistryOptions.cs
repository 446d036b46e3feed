using System.ComponentModel.DataAnnotations;

namespace PortusFunctions.Registry;

/// <summary>How the app reaches the registry it follows (section <c>Registry</c>).</summary>
public sealed class RegistryOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Registry";

    /// <summary>Base URL of the registry, such as <c>https://registry.example.com</c>; empty when only events are received.</summary>
    public string? Url { get; set; }

    /// <summary>User name for basic authentication or for the token realm; empty for anonymous access.</summary>
    public string? Username { get; set; }

    /// <summary>Password or token of <see cref="Username"/>.</summary>
    public string? Password { get; set; }

    /// <summary>Timeout of one registry request.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Registry__RequestTimeout must be between 00:00:01 and 00:10:00.")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Repositories read in parallel.</summary>
    [Range(1, 64, ErrorMessage = "Registry__MaxConcurrency must be between 1 and 64.")]
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>Page size of catalog and tag list requests; Debian's registry 2.8.2 rejects more than 1000.</summary>
    [Range(1, 1000, ErrorMessage = "Registry__PageSize must be between 1 and 1000.")]
    public int PageSize { get; set; } = 1000;

    /// <summary>Retries of a request that timed out or got a 5xx, 408 or 429 response, after the first attempt.</summary>
    [Range(0, 10, ErrorMessage = "Registry__MaxRetries must be between 0 and 10.")]
    public int MaxRetries { get; set; } = 4;

    /// <summary>Delay before the first retry; each further retry doubles it, with jitter, up to 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00", ErrorMessage = "Registry__RetryDelay must be between 00:00:00.010 and 00:01:00.")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether <see cref="Url"/> is set, so the registry can be read.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Url);

    /// <summary>
    /// Returns <see cref="Url"/> as the base address of the registry API, ending with a slash; valid after
    /// <see cref="RegistryOptionsValidator"/> passed.
    /// </summary>
    public Uri BaseAddress()
    {
        var url = Url!.Trim();
        return new Uri(url.EndsWith('/') ? url : url + "/", UriKind.Absolute);
    }
}
