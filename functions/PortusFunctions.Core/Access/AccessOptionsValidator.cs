using Microsoft.Extensions.Options;

namespace PortusFunctions.Access;

/// <summary>Fails the start when a key is missing outside development mode, naming the setting to fill.</summary>
public sealed class AccessOptionsValidator : IValidateOptions<AccessOptions>
{
    /// <summary>Shortest key or secret accepted outside development mode.</summary>
    public const int MinimumLength = 16;

    /// <summary>The alternative to filling a secret, added to each message.</summary>
    internal const string DevelopmentHint = "or set Access__DevelopmentMode=true on a development machine";

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, AccessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        if (options.DevelopmentMode)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ReaderKey))
        {
            failures.Add($"Access__ReaderKey is missing: set it to the key that readers of the API and the operator page send, {DevelopmentHint}.");
        }

        if (string.IsNullOrWhiteSpace(options.AdminKey))
        {
            failures.Add($"Access__AdminKey is missing: set it to the key that admin requests send, {DevelopmentHint}.");
        }

        foreach (var (setting, key) in new[] { ("Access__ReaderKey", options.ReaderKey), ("Access__AdminKey", options.AdminKey) })
        {
            if (!string.IsNullOrWhiteSpace(key) && key.Length < MinimumLength)
            {
                failures.Add($"{setting} is {key.Length} characters long: use at least {MinimumLength} random characters, such as the output of 'openssl rand -base64 24'.");
            }
        }

        if (!string.IsNullOrWhiteSpace(options.ReaderKey) && string.Equals(options.ReaderKey, options.AdminKey, StringComparison.Ordinal))
        {
            failures.Add("Access__AdminKey equals Access__ReaderKey, so every reader could make admin requests: give the admin key a value of its own.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
