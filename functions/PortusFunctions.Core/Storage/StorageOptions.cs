using System.ComponentModel.DataAnnotations;

namespace PortusFunctions.Storage;

/// <summary>Settings of the Table Storage account that holds the app's data (section <c>Storage</c>).</summary>
public sealed class StorageOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Storage";

    /// <summary>
    /// A connection string (Azurite, or an account with shared keys), or the https URI of a table endpoint,
    /// which is then reached with <c>DefaultAzureCredential</c>.
    /// </summary>
    [Required(ErrorMessage = "Storage__Tables is missing: set it to a Table Storage connection string (UseDevelopmentStorage=true for Azurite) or to https://ACCOUNT.table.core.windows.net.")]
    public string Tables { get; set; } = "";

    /// <summary>Client id of a user-assigned managed identity; empty for the default credential chain.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Letters and digits put in front of every table name, so several deployments or tests share an account.</summary>
    [RegularExpression("^[A-Za-z][A-Za-z0-9]{0,29}$|^$", ErrorMessage = "Storage__TablePrefix must be empty or start with a letter and hold at most 30 letters and digits.")]
    public string TablePrefix { get; set; } = "";

    /// <summary>Whether <see cref="Tables"/> is a table endpoint URI rather than a connection string.</summary>
    public bool UsesEndpointUri =>
        Uri.TryCreate(Tables, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);
}
