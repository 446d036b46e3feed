using Microsoft.Extensions.Options;
using PortusFunctions.Events;

namespace PortusFunctions.Access;

/// <summary>Fails the start when <c>Webhook__Secret</c> is missing outside development mode.</summary>
public sealed class WebhookSecretValidator : IValidateOptions<WebhookOptions>
{
    private readonly IOptionsMonitor<AccessOptions> _access;

    /// <summary>Creates the validator.</summary>
    public WebhookSecretValidator(IOptionsMonitor<AccessOptions> access)
    {
        _access = access;
    }

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        if (!string.IsNullOrWhiteSpace(options.Secret) && options.Secret.Length >= AccessOptionsValidator.MinimumLength)
        {
            return ValidateOptionsResult.Success;
        }

        if (IsDevelopmentMode())
        {
            return ValidateOptionsResult.Success;
        }

        if (!string.IsNullOrWhiteSpace(options.Secret))
        {
            return ValidateOptionsResult.Fail(
                $"Webhook__Secret is {options.Secret.Length} characters long: use at least {AccessOptionsValidator.MinimumLength} random characters, such as the output of 'openssl rand -base64 24'.");
        }

        return ValidateOptionsResult.Fail(
            $"Webhook__Secret is missing: set it to the secret the registry sends as 'Authorization: Bearer SECRET', {AccessOptionsValidator.DevelopmentHint}.");
    }

    /// <summary>Whether development mode is on; false when the access settings are invalid, which they report themselves.</summary>
    private bool IsDevelopmentMode()
    {
        try
        {
            return _access.CurrentValue.DevelopmentMode;
        }
        catch (OptionsValidationException)
        {
            return false;
        }
    }
}
