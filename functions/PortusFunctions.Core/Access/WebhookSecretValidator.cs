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

        if (!string.IsNullOrWhiteSpace(options.Secret) || _access.CurrentValue.DevelopmentMode)
        {
            return ValidateOptionsResult.Success;
        }

        return ValidateOptionsResult.Fail(
            $"Webhook__Secret is missing: set it to the secret the registry sends as 'Authorization: Bearer SECRET', {AccessOptionsValidator.DevelopmentHint}.");
    }
}
