using Microsoft.Extensions.Options;

namespace PortusFunctions.Sync;

/// <summary>Fails the start when <c>Sync__Strategy</c> is not one of the strategies, naming the allowed values.</summary>
public sealed class SyncOptionsValidator : IValidateOptions<SyncOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, SyncOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        return SyncStrategies.TryParse(options.Strategy, out _)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Sync__Strategy = '{options.Strategy}' is not a sync strategy: set it to one of {string.Join(", ", SyncStrategies.Names)}.");
    }
}
