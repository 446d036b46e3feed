using Microsoft.Extensions.Options;
using PortusFunctions.Registry;

namespace PortusFunctions.Scanning;

/// <summary>Checks the settings that depend on each other, so that a wrong scanner setup fails at start.</summary>
public sealed class ScanOptionsValidator : IValidateOptions<ScanOptions>
{
    private readonly IOptions<RegistryOptions> _registry;

    /// <summary>Creates the validator.</summary>
    public ScanOptionsValidator(IOptions<RegistryOptions> registry)
    {
        _registry = registry;
    }

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, ScanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        var failures = new List<string>();
        if (!ScannerKinds.All.Contains(options.Scanner, StringComparer.OrdinalIgnoreCase))
        {
            failures.Add($"Scan__Scanner = '{options.Scanner}' is not a known scanner: set it to one of {string.Join(", ", ScannerKinds.All)}.");
            return ValidateOptionsResult.Fail(failures);
        }

        if (options.InProgressTimeout <= options.ScanTimeout)
        {
            failures.Add($"Scan__InProgressTimeout ({options.InProgressTimeout}) must be longer than Scan__ScanTimeout ({options.ScanTimeout}), or a scan still running would be taken back.");
        }

        if (options.MaxPollInterval < options.PollInterval)
        {
            failures.Add($"Scan__MaxPollInterval ({options.MaxPollInterval}) must not be shorter than Scan__PollInterval ({options.PollInterval}).");
        }

        if (options.MaxRetryBackoff < options.RetryBackoff)
        {
            failures.Add($"Scan__MaxRetryBackoff ({options.MaxRetryBackoff}) must not be shorter than Scan__RetryBackoff ({options.RetryBackoff}).");
        }

        var scanner = options.Scanner.ToLowerInvariant();
        if (scanner is ScannerKinds.Harbor or ScannerKinds.Clair)
        {
            if (!IsHttpUrl(options.Url))
            {
                failures.Add($"Scan__Url = '{options.Url}' is not an http or https URL: set it to the base URL of the {scanner} scanner, such as http://trivy-adapter:8080.");
            }

            if (!string.IsNullOrEmpty(options.RegistryUrl) && !IsHttpUrl(options.RegistryUrl))
            {
                failures.Add($"Scan__RegistryUrl = '{options.RegistryUrl}' is not an http or https URL: set it to the registry's base URL as the scanner reaches it, or leave it empty to use Registry__Url.");
            }

            if (string.IsNullOrEmpty(options.RegistryUrl) && !IsHttpUrl(_registry.Value.Url))
            {
                failures.Add($"The {scanner} scanner pulls images from the registry, but neither Scan__RegistryUrl nor Registry__Url is an http or https URL: set Registry__Url.");
            }
        }

        if (scanner == ScannerKinds.Clair && !IsHttpUrl(_registry.Value.Url))
        {
            failures.Add("The clair scanner needs Registry__Url to read each manifest's layers: set it to the registry's base URL.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsHttpUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
