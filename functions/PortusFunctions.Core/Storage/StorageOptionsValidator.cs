using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace PortusFunctions.Storage;

/// <summary>Fails the start when <c>Storage__Tables</c> is neither a connection string nor a table endpoint URI.</summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        if (string.IsNullOrWhiteSpace(options.Tables) || options.UsesEndpointUri)
        {
            // A missing value is reported by the Required attribute; a URI is reached with the managed identity.
            return ValidateOptionsResult.Success;
        }

        try
        {
            _ = new TableServiceClient(options.Tables);
            return ValidateOptionsResult.Success;
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException or InvalidOperationException)
        {
            return ValidateOptionsResult.Fail(
                "Storage__Tables is neither a valid connection string nor an https table endpoint: set it to "
                + $"UseDevelopmentStorage=true for Azurite, a storage account connection string, or https://ACCOUNT.table.core.windows.net ({exception.Message})");
        }
    }
}
