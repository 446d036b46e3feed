using Microsoft.Extensions.Options;

namespace PortusFunctions.Registry;

/// <summary>
/// Fails the start when <c>Registry__Url</c> is set but is not the base URL of a registry over HTTP or HTTPS, or when
/// only one of the credentials is set.
/// </summary>
public sealed class RegistryOptionsValidator : IValidateOptions<RegistryOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, RegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        if (!options.IsConfigured)
        {
            return ValidateOptionsResult.Success;
        }

        var url = options.Url!.Trim();
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return ValidateOptionsResult.Fail(
                $"Registry__Url = '{url}' is not an absolute http or https URL: set it to the registry's base URL, such as https://registry.example.com.");
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return ValidateOptionsResult.Fail(
                $"Registry__Url = '{url}' has a query or fragment: set it to the registry's base URL without them, such as https://registry.example.com.");
        }

        if (uri.AbsolutePath.TrimEnd('/').EndsWith("/v2", StringComparison.OrdinalIgnoreCase))
        {
            return ValidateOptionsResult.Fail(
                $"Registry__Url = '{url}' ends in /v2: set it to the registry's base URL without the API path, such as https://registry.example.com.");
        }

        if (string.IsNullOrEmpty(options.Username) != string.IsNullOrEmpty(options.Password))
        {
            return ValidateOptionsResult.Fail(
                "Registry__Username and Registry__Password must be set together: set both for basic or token authentication, or neither for anonymous access.");
        }

        return ValidateOptionsResult.Success;
    }
}
